/// A growable UTF-8 buffer the normalizers append Unicode scalars to. Encoding scalars by hand is
/// several times faster than `String.UnicodeScalarView.append`, which builds a `Character` per call.
struct ScalarBuffer {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    var isEmpty: Bool { bytes.isEmpty }

    /// True when the last scalar is an ASCII space.
    var endsWithSpace: Bool { bytes.last == 0x20 }

    @inline(__always)
    mutating func append(_ s: Unicode.Scalar) {
        let v = s.value
        if v < 0x80 {
            bytes.append(UInt8(v))
        } else if v < 0x800 {
            bytes.append(UInt8(0xC0 | v >> 6))
            bytes.append(UInt8(0x80 | v & 0x3F))
        } else if v < 0x10000 {
            bytes.append(UInt8(0xE0 | v >> 12))
            bytes.append(UInt8(0x80 | v >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | v & 0x3F))
        } else {
            bytes.append(UInt8(0xF0 | v >> 18))
            bytes.append(UInt8(0x80 | v >> 12 & 0x3F))
            bytes.append(UInt8(0x80 | v >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | v & 0x3F))
        }
    }

    @inline(__always)
    mutating func append(_ ascii: UInt8) { bytes.append(ascii) }

    mutating func append(contentsOf text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// Removes a trailing ASCII space, if there is one.
    mutating func dropTrailingSpace() {
        if bytes.last == 0x20 { bytes.removeLast() }
    }

    /// The scalar that ends `offset` bytes before the end (0 = the last scalar), or nil.
    func scalar(endingBefore trailingBytes: Int) -> Unicode.Scalar? {
        let end = bytes.count - trailingBytes
        guard end > 0 else { return nil }
        var start = end - 1
        while start > 0, bytes[start] & 0xC0 == 0x80 { start -= 1 }
        var v: UInt32
        let lead = bytes[start]
        switch lead {
        case ..<0x80: v = UInt32(lead)
        case 0xC0..<0xE0: v = UInt32(lead & 0x1F)
        case 0xE0..<0xF0: v = UInt32(lead & 0x0F)
        default: v = UInt32(lead & 0x07)
        }
        start += 1
        while start < end { v = v << 6 | UInt32(bytes[start] & 0x3F); start += 1 }
        return Unicode.Scalar(v)
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}
