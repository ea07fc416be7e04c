// Interns whole tokens (runs of scalars) to dense ids with one hash probe per token; the token's
// scalars are kept in an arena and compared on a hash match, so equal ids mean equal tokens exactly.

/// One slot of the word table.
struct WordSlot {
    var hash: UInt64
    var id: Int32
    var stamp: UInt32
}

/// Token → dense id (1, 2, …) for one segment at a time; O(1) reset.
struct WordTable: ~Copyable {
    private var slots: UnsafeMutablePointer<WordSlot>
    private var capacity: Int
    private var generation: UInt32 = 1
    private var arena = ScalarBuffer(capacity: 1024)
    private var starts = NodeArray<Int32>(capacity: 256)
    private var lengths = NodeArray<Int32>(capacity: 256)
    /// Number of distinct tokens since the last reset.
    private(set) var count = 0

    init(capacity requested: Int = 1 << 9) {
        var cap = 16
        while cap < requested { cap <<= 1 }
        capacity = cap
        slots = .allocate(capacity: cap)
        slots.initialize(repeating: WordSlot(hash: 0, id: 0, stamp: 0), count: cap)
    }

    deinit { slots.deallocate() }

    /// Forgets every token.
    mutating func reset() {
        count = 0
        arena.removeAll()
        generation &+= 1
        if generation == 0 {
            for i in 0..<capacity { slots[i].stamp = 0 }
            generation = 1
        }
    }

    /// The id of the token `p[lo..<hi]`, interned if new.
    @inline(__always)
    mutating func id(_ p: UnsafePointer<UInt32>, _ lo: Int, _ hi: Int) -> UInt32 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(hi - lo)
        for k in lo..<hi { h = (h ^ UInt64(p[k])) &* 0x0000_0100_0000_01B3 }
        h ^= h >> 29
        let mask = capacity - 1
        var i = Int(truncatingIfNeeded: (h &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
        while true {
            let slot = slots[i]
            if slot.stamp != generation { return insert(h, p, lo, hi, at: i) }
            if slot.hash == h && equal(slot.id, p, lo, hi) { return UInt32(slot.id) }
            i = (i + 1) & mask
        }
    }

    @inline(__always)
    private func equal(_ id: Int32, _ p: UnsafePointer<UInt32>, _ lo: Int, _ hi: Int) -> Bool {
        let len = Int(lengths[id])
        if len != hi - lo { return false }
        let s = arena.base + Int(starts[id])
        for k in 0..<len where s[k] != p[lo + k] { return false }
        return true
    }

    private mutating func insert(_ h: UInt64, _ p: UnsafePointer<UInt32>, _ lo: Int, _ hi: Int, at index: Int) -> UInt32 {
        count += 1
        let id = Int32(count)
        starts.ensure(count)
        lengths.ensure(count)
        starts[id] = Int32(arena.count)
        lengths[id] = Int32(hi - lo)
        arena.reserve(hi - lo)
        for k in lo..<hi { arena.appendUnchecked(p[k]) }
        slots[index] = WordSlot(hash: h, id: id, stamp: generation)
        if count * 2 > capacity { grow() }
        return UInt32(id)
    }

    private mutating func grow() {
        let old = slots, oldCap = capacity, gen = generation
        capacity = oldCap << 1
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: WordSlot(hash: 0, id: 0, stamp: 0), count: capacity)
        generation = 1
        let mask = capacity - 1
        for s in 0..<oldCap where old[s].stamp == gen {
            var i = Int(truncatingIfNeeded: (old[s].hash &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
            while slots[i].stamp == 1 { i = (i + 1) & mask }
            slots[i] = WordSlot(hash: old[s].hash, id: old[s].id, stamp: 1)
        }
        old.deallocate()
    }
}
