// numpy's default generator, reproduced exactly so that mizan's paired significance tests draw the same resamples
// as sacrebleu 2.6.0 (which calls `np.random.default_rng(seed)`): SeedSequence (numpy/random/bit_generator.pyx)
// feeds PCG64 (XSL-RR 128/64, numpy/random/src/pcg64), and bounded integers use Lemire's method on buffered
// 32-bit draws (numpy/random/src/distributions/distributions.c). Checked against numpy 2.x draw for draw.

/// `numpy.random.default_rng(seed)`: PCG64 seeded through SeedSequence; the draws sacrebleu's tests make.
public struct NumpyGenerator: Sendable {
    private var stateHigh: UInt64 = 0
    private var stateLow: UInt64 = 0
    private var incHigh: UInt64 = 0
    private var incLow: UInt64 = 0
    private var hasUInt32 = false
    private var buffered: UInt32 = 0

    private static let multHigh: UInt64 = 2_549_297_995_355_413_924
    private static let multLow: UInt64 = 4_865_540_595_714_422_341

    /// `np.random.default_rng(seed)` for a non-negative seed below 2^64.
    public init(seed: UInt64) {
        let words = Self.seedSequenceState(seed: seed, words64: 4)
        incHigh = (words[2] << 1) | (words[3] >> 63)
        incLow = (words[3] << 1) | 1
        step()
        let (low, carry) = stateLow.addingReportingOverflow(words[1])
        stateLow = low
        stateHigh = stateHigh &+ words[0] &+ (carry ? 1 : 0)
        step()
    }

    /// numpy SeedSequence(seed).generate_state(words64, np.uint64) with the default pool of four 32-bit words.
    static func seedSequenceState(seed: UInt64, words64: Int) -> [UInt64] {
        let mask32: UInt64 = 0xFFFF_FFFF
        var entropy: [UInt32] = [UInt32(seed & mask32)]
        if seed >> 32 != 0 { entropy.append(UInt32(seed >> 32)) }
        var hashConst: UInt32 = 0x43b0_d7e5
        func hashmix(_ value: UInt32) -> UInt32 {
            var v = value ^ hashConst
            hashConst = hashConst &* 0x931e_8875
            v = v &* hashConst
            return v ^ (v >> 16)
        }
        func mix(_ x: UInt32, _ y: UInt32) -> UInt32 {
            let r = 0xca01_f9dd &* x &- 0x4973_f715 &* y
            return r ^ (r >> 16)
        }
        var pool = [UInt32](repeating: 0, count: 4)
        for i in 0..<4 { pool[i] = hashmix(i < entropy.count ? entropy[i] : 0) }
        for src in 0..<4 {
            for dst in 0..<4 where src != dst { pool[dst] = mix(pool[dst], hashmix(pool[src])) }
        }
        for src in 4..<max(4, entropy.count) {
            for dst in 0..<4 { pool[dst] = mix(pool[dst], hashmix(entropy[src])) }
        }
        var hashB: UInt32 = 0x8b51_f9dd
        var out32: [UInt32] = []
        for i in 0..<(2 * words64) {
            var v = pool[i % 4] ^ hashB
            hashB = hashB &* 0x58f3_8ded
            v = v &* hashB
            out32.append(v ^ (v >> 16))
        }
        return (0..<words64).map { UInt64(out32[2 * $0]) | UInt64(out32[2 * $0 + 1]) << 32 }
    }

    /// state = state × multiplier + increment (mod 2^128).
    @inline(__always) private mutating func step() {
        let (hi, lo) = stateLow.multipliedFullWidth(by: Self.multLow)
        var high = hi &+ stateHigh &* Self.multLow &+ stateLow &* Self.multHigh
        let (low, carry) = lo.addingReportingOverflow(incLow)
        high = high &+ incHigh &+ (carry ? 1 : 0)
        stateHigh = high
        stateLow = low
    }

    /// The next 64-bit output (`bit_generator.random_raw()`).
    public mutating func next64() -> UInt64 {
        step()
        let x = stateHigh ^ stateLow
        let r = stateHigh >> 58
        return (x >> r) | (x << ((64 &- r) & 63))
    }

    /// The next 32-bit output: each 64-bit draw serves two, low half first.
    @inline(__always) public mutating func next32() -> UInt32 {
        if hasUInt32 {
            hasUInt32 = false
            return buffered
        }
        let n = next64()
        hasUInt32 = true
        buffered = UInt32(truncatingIfNeeded: n >> 32)
        return UInt32(truncatingIfNeeded: n)
    }

    /// A draw in 0...range (Lemire's method, numpy's `buffered_bounded_lemire_uint32`).
    @inline(__always) mutating func bounded(_ range: UInt32) -> UInt32 {
        let exclusive = UInt64(range) + 1
        var m = UInt64(next32()) * exclusive
        var leftover = UInt32(truncatingIfNeeded: m)
        if UInt64(leftover) < exclusive {
            let threshold = UInt32((UInt64(UInt32.max) - UInt64(range)) % exclusive)
            while leftover < threshold {
                m = UInt64(next32()) * exclusive
                leftover = UInt32(truncatingIfNeeded: m)
            }
        }
        return UInt32(truncatingIfNeeded: m >> 32)
    }

    /// `rng.choice(n, size=count, replace=True)` flattened in C order (n ≤ 2^32).
    public mutating func choice(_ n: Int, count: Int) -> [Int32] {
        precondition(n > 0 && n <= 1 << 32, "choice needs 1...2^32 elements")
        var out = [Int32](repeating: 0, count: count)
        if n == 1 { return out }
        let range = UInt32(n - 1)
        for i in 0..<count { out[i] = Int32(bitPattern: bounded(range)) }
        return out
    }

    /// The same draws as `booleans(count:)`, packed: word w holds booleans 32w…32w+31, boolean 32w+b in bit b (each
    /// 32-bit draw is such a word). Eight times less memory than `[Bool]` for approximate randomization's n × trials.
    public mutating func booleanWords(count: Int) -> [UInt32] {
        let words = (count + 31) / 32
        var out = [UInt32](repeating: 0, count: words)
        for w in 0..<words { out[w] = next32() }
        let tail = count % 32
        if tail != 0 { out[words - 1] &= (UInt32(1) << UInt32(tail)) &- 1 }
        return out
    }

    /// `rng.integers(2, size=count, dtype=bool)` flattened in C order: one 32-bit draw gives 32 booleans, low bit first.
    public mutating func booleans(count: Int) -> [Bool] {
        var out = [Bool](repeating: false, count: count)
        var buf: UInt32 = 0
        var left = 0
        for i in 0..<count {
            if left == 0 {
                buf = next32()
                left = 31
            } else {
                buf >>= 1
                left -= 1
            }
            out[i] = buf & 1 != 0
        }
        return out
    }
}
