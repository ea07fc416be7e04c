// A C interface to the SentencePiece library (Debian libsentencepiece-dev), for Swift: load a model file,
// encode text into pieces. Implemented in shim.cpp, which is the only C++ in mizan.
#ifndef MIZAN_CSENTENCEPIECE_H
#define MIZAN_CSENTENCEPIECE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A loaded SentencePiece model (an opaque sentencepiece::SentencePieceProcessor).
typedef struct mizan_spm mizan_spm;

/// Loads the model file at `path`; on failure returns NULL and writes SentencePiece's message into `error`.
mizan_spm *mizan_spm_load(const char *path, char *error, size_t error_capacity);

/// Frees a model from mizan_spm_load.
void mizan_spm_free(mizan_spm *model);

/// Encodes `length` bytes of UTF-8 `text` into pieces (EncodeAsPieces) joined by one space, as sacrebleu's
/// tokenizer_spm does. Returns a malloc-ed UTF-8 buffer (free it with mizan_spm_free_string) and its length in
/// `out_length`; NULL with a message in `error` on failure. Safe to call from several threads on one model.
char *mizan_spm_encode_joined(const mizan_spm *model, const char *text, size_t length, size_t *out_length,
                              char *error, size_t error_capacity);

/// Frees a buffer returned by mizan_spm_encode_joined.
void mizan_spm_free_string(char *s);

#ifdef __cplusplus
}
#endif

#endif
