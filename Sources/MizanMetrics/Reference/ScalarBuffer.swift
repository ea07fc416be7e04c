// Hot-path storage for the reference metrics: a reusable scalar buffer (no per-append uniqueness or
// bounds checks), UTF-8 → scalar decoding without `String.unicodeScalars` overhead, and per-worker
// caches of the Unicode property lookups sacrebleu's tokenizers need.

/// A growable buffer of scalar values owned by one worker; reused across segments.
struct ScalarBuffer: ~Copyable {
    private(set) var base: UnsafeMutablePointer<UInt32>
    private(set) var capacity: Int
    /// Number of scalars stored.
    var count = 0

    init(capacity requested: Int = 512) {
        capacity = max(16, requested)
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// Forgets the contents (keeps the storage).
    @inline(__always) mutating func removeAll() { count = 0 }

    /// Makes room for `extra` more scalars.
    @inline(__always) mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private mutating func grow(_ needed: Int) {
        var cap = capacity
        while cap < needed { cap <<= 1 }
        let nb = UnsafeMutablePointer<UInt32>.allocate(capacity: cap)
        nb.update(from: base, count: count)
        base.deallocate()
        base = nb
        capacity = cap
    }

    /// Appends one scalar.
    @inline(__always) mutating func append(_ v: UInt32) {
        if count == capacity { grow(count + 1) }
        base[count] = v
        count += 1
    }

    /// Appends a scalar without a capacity check (call `reserve` first).
    @inline(__always) mutating func appendUnchecked(_ v: UInt32) {
        base[count] = v
        count += 1
    }

    /// The scalar at `i` (< count).
    @inline(__always) subscript(_ i: Int) -> UInt32 { base[i] }

    /// Replaces the contents with the scalars of `s` (decoded from its UTF-8).
    mutating func load(_ s: String) {
        count = 0
        var str = s
        let n = str.utf8.count
        reserve(n)
        let done: Bool? = str.utf8.withContiguousStorageIfAvailable { p in decodeValidUTF8(p) }
        if done == nil {
            str.makeContiguousUTF8()
            _ = str.utf8.withContiguousStorageIfAvailable { p in decodeValidUTF8(p) }
        }
    }

    /// Replaces the contents with the scalars of `bytes`, UTF-8 known to be valid (SentencePiece's pieces of a Swift
    /// string's text).
    mutating func load(validUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        count = 0
        reserve(bytes.count)
        _ = decodeValidUTF8(bytes)
    }

    /// Appends the UTF-8 encoding of the first `n` scalars to `out` (after emptying it).
    func utf8(prefix n: Int, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        for i in 0..<n {
            let v = base[i]
            if v < 0x80 {
                out.append(UInt8(v))
            } else if v < 0x800 {
                out.append(UInt8(0xC0 | v >> 6)); out.append(UInt8(0x80 | v & 0x3F))
            } else if v < 0x10000 {
                out.append(UInt8(0xE0 | v >> 12)); out.append(UInt8(0x80 | (v >> 6) & 0x3F)); out.append(UInt8(0x80 | v & 0x3F))
            } else {
                out.append(UInt8(0xF0 | v >> 18)); out.append(UInt8(0x80 | (v >> 12) & 0x3F))
                out.append(UInt8(0x80 | (v >> 6) & 0x3F)); out.append(UInt8(0x80 | v & 0x3F))
            }
        }
    }

    /// Decodes UTF-8 known to be valid (it comes from a Swift `String`); capacity must be ≥ byte count.
    @inline(__always)
    private mutating func decodeValidUTF8(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = p.count
        var k = count
        let out = base
        while i < n {
            let b0 = UInt32(p[i])
            if b0 < 0x80 {
                out[k] = b0; i += 1
            } else if b0 < 0xE0 {
                out[k] = (b0 & 0x1F) << 6 | (UInt32(p[i + 1]) & 0x3F); i += 2
            } else if b0 < 0xF0 {
                out[k] = (b0 & 0x0F) << 12 | (UInt32(p[i + 1]) & 0x3F) << 6 | (UInt32(p[i + 2]) & 0x3F); i += 3
            } else {
                out[k] = (b0 & 0x07) << 18 | (UInt32(p[i + 1]) & 0x3F) << 12 | (UInt32(p[i + 2]) & 0x3F) << 6
                    | (UInt32(p[i + 3]) & 0x3F)
                i += 4
            }
            k += 1
        }
        count = k
        return true
    }
}

/// Per-worker memo of Unicode lookups for the BMP (general-category classes and simple lowercase).
struct TextCache: ~Copyable {
    /// Category bits per BMP scalar: 1 = known, 2 = \p{N}, 4 = \p{P}, 8 = \p{S}.
    private var classes = NodeArray<UInt8>(capacity: 1)
    /// Lowercase per BMP scalar: 0 = unknown, 1 = complex (multi-scalar or context), else mapped + 2.
    private var lowers = NodeArray<UInt32>(capacity: 1)
    private var classesReady = false
    private var lowersReady = false

    init() {}

    /// Category bits of `v` (2 = N, 4 = P, 8 = S).
    @inline(__always) mutating func classBits(_ v: UInt32) -> UInt8 {
        if v >= 0x10000 { return Self.computeClass(v) }
        if !classesReady {
            classes.ensure(0xFFFF)
            classesReady = true
        }
        let c = classes[at: Int(v)]
        if c != 0 { return c }
        let computed = Self.computeClass(v) | 1
        classes[at: Int(v)] = computed
        return computed
    }

    private static func computeClass(_ v: UInt32) -> UInt8 {
        guard let u = Unicode.Scalar(v) else { return 1 }
        switch u.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return 2 | 1
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return 4 | 1
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol: return 8 | 1
        default: return 1
        }
    }

    /// `\p{N}` (Nd, Nl, No).
    @inline(__always) mutating func isNumber(_ v: UInt32) -> Bool {
        if v < 0x80 { return v >= 0x30 && v <= 0x39 }
        return classBits(v) & 2 != 0
    }

    /// `\p{P}` (Pc, Pd, Ps, Pe, Pi, Pf, Po).
    @inline(__always) mutating func isPunctuation(_ v: UInt32) -> Bool {
        if v < 0x80 { return UnicodeClass.asciiPunct(v) }
        return classBits(v) & 4 != 0
    }

    /// `\p{S}` (Sm, Sc, Sk, So).
    @inline(__always) mutating func isSymbol(_ v: UInt32) -> Bool {
        if v < 0x80 { return UnicodeClass.asciiSymbol(v) }
        return classBits(v) & 8 != 0
    }

    /// Appends Python's `str.lower()` of `src` to `out` (Final_Sigma handled with the whole segment as context).
    mutating func lower(_ src: borrowing ScalarBuffer, into out: inout ScalarBuffer) {
        out.removeAll()
        out.reserve(src.count)
        for i in 0..<src.count {
            let v = src[i]
            if v < 0x80 {
                out.append(v >= 0x41 && v <= 0x5A ? v + 32 : v)
                continue
            }
            if v < 0x10000 {
                if !lowersReady {
                    lowers.ensure(0xFFFF)
                    lowersReady = true
                }
                var m = lowers[at: Int(v)]
                if m == 0 {
                    m = Self.computeLower(v)
                    lowers[at: Int(v)] = m
                }
                if m >= 2 {
                    out.append(m - 2)
                    continue
                }
            }
            if v == 0x3A3 {
                out.append(PyText.finalSigma(src, at: i) ? 0x3C2 : 0x3C3)
                continue
            }
            guard let u = Unicode.Scalar(v), u.properties.changesWhenLowercased else {
                out.append(v)
                continue
            }
            for m in u.properties.lowercaseMapping.unicodeScalars { out.append(m.value) }
        }
    }

    /// Cache entry for a BMP scalar: 1 when the mapping needs the slow path, else mapped + 2.
    private static func computeLower(_ v: UInt32) -> UInt32 {
        if v == 0x3A3 { return 1 }
        guard let u = Unicode.Scalar(v) else { return v + 2 }
        if !u.properties.changesWhenLowercased { return v + 2 }
        let m = Array(u.properties.lowercaseMapping.unicodeScalars)
        return m.count == 1 ? m[0].value + 2 : 1
    }
}
