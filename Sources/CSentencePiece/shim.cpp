// The C shim over SentencePiece's C++ API (see include/csentencepiece.h).
#include "csentencepiece.h"

#include <sentencepiece_processor.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

struct mizan_spm {
    sentencepiece::SentencePieceProcessor processor;
};

static void write_error(char *error, size_t capacity, const std::string &message) {
    if (error == nullptr || capacity == 0) return;
    size_t n = message.size() < capacity - 1 ? message.size() : capacity - 1;
    std::memcpy(error, message.data(), n);
    error[n] = '\0';
}

extern "C" mizan_spm *mizan_spm_load(const char *path, char *error, size_t error_capacity) {
    mizan_spm *model = new (std::nothrow) mizan_spm();
    if (model == nullptr) {
        write_error(error, error_capacity, "out of memory");
        return nullptr;
    }
    const auto status = model->processor.Load(path);
    if (!status.ok()) {
        write_error(error, error_capacity, status.ToString());
        delete model;
        return nullptr;
    }
    return model;
}

extern "C" void mizan_spm_free(mizan_spm *model) { delete model; }

extern "C" char *mizan_spm_encode_joined(const mizan_spm *model, const char *text, size_t length, size_t *out_length,
                                         char *error, size_t error_capacity) {
    std::vector<std::string> pieces;
    const auto status = model->processor.Encode(std::string(text, length), &pieces);
    if (!status.ok()) {
        write_error(error, error_capacity, status.ToString());
        return nullptr;
    }
    size_t total = 0;
    for (const auto &p : pieces) total += p.size() + 1;
    char *out = static_cast<char *>(std::malloc(total + 1));
    if (out == nullptr) {
        write_error(error, error_capacity, "out of memory");
        return nullptr;
    }
    size_t k = 0;
    for (size_t i = 0; i < pieces.size(); i++) {
        if (i > 0) out[k++] = ' ';
        std::memcpy(out + k, pieces[i].data(), pieces[i].size());
        k += pieces[i].size();
    }
    out[k] = '\0';
    *out_length = k;
    return out;
}

extern "C" void mizan_spm_free_string(char *s) { std::free(s); }
