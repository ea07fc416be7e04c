// Integer-coded n-grams: a trie stored in one open-addressing hash table keyed by (parent, label).
// Node ids are dense (1, 2, 3, …; 0 is the root), so per-node counts live in flat arrays.
// Equal label sequences from the same root always get the same node: counting is exact, no hashing
// collisions can merge two different n-grams.

/// One hash-table slot (16 bytes: one cache-line access per probe).
struct TrieSlot {
    var key: UInt64
    var val: Int32
    var stamp: UInt32
}

/// A trie of integer labels with dense node ids and O(1) reset, owned by one worker thread.
/// A non-copyable struct (not a class) so hot loops pay no dynamic exclusivity checks.
struct NGramTrie: ~Copyable {
    private var slots: UnsafeMutablePointer<TrieSlot>
    private var capacity: Int
    private var shift: UInt64
    private var generation: UInt32 = 1
    private let initialCapacity: Int
    /// Number of nodes created since the last reset (the root excluded); ids run 1...nodeCount.
    private(set) var nodeCount: Int = 0

    init(capacity requested: Int = 1 << 10) {
        var cap = 16
        while cap < requested { cap <<= 1 }
        capacity = cap
        initialCapacity = cap
        shift = UInt64(64 - cap.trailingZeroBitCount)
        slots = .allocate(capacity: cap)
        slots.initialize(repeating: TrieSlot(key: 0, val: 0, stamp: 0), count: cap)
    }

    deinit { slots.deallocate() }

    /// Forgets every node in O(1). A table grown by one huge segment shrinks back once segments are small
    /// again, so probes stay within the L1/L2 cache.
    mutating func reset() {
        if capacity > initialCapacity && nodeCount * 16 < capacity {
            slots.deallocate()
            capacity = initialCapacity
            shift = UInt64(64 - capacity.trailingZeroBitCount)
            slots = .allocate(capacity: capacity)
            slots.initialize(repeating: TrieSlot(key: 0, val: 0, stamp: 0), count: capacity)
            generation = 0
        }
        nodeCount = 0
        generation &+= 1
        if generation == 0 {
            for i in 0..<capacity { slots[i].stamp = 0 }
            generation = 1
        }
    }

    @inline(__always)
    private static func key(_ parent: Int32, _ label: UInt32) -> UInt64 {
        UInt64(UInt32(bitPattern: parent)) << 32 | UInt64(label)
    }

    /// The child of `parent` along `label`, created if missing (new ids are `nodeCount` after the call).
    @inline(__always)
    mutating func child(_ parent: Int32, _ label: UInt32) -> Int32 {
        let key = Self.key(parent, label)
        var i = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        let mask = capacity - 1
        while true {
            let slot = slots[i]
            if slot.stamp != generation { return insert(key, at: i) }
            if slot.key == key { return slot.val }
            i = (i + 1) & mask
        }
    }

    /// The child of `parent` along `label` if it exists, else -1 (never creates a node).
    @inline(__always)
    func lookup(_ parent: Int32, _ label: UInt32) -> Int32 {
        let key = Self.key(parent, label)
        var i = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        let mask = capacity - 1
        while true {
            let slot = slots[i]
            if slot.stamp != generation { return -1 }
            if slot.key == key { return slot.val }
            i = (i + 1) & mask
        }
    }

    private mutating func insert(_ key: UInt64, at index: Int) -> Int32 {
        nodeCount += 1
        let id = Int32(nodeCount)
        slots[index] = TrieSlot(key: key, val: id, stamp: generation)
        if nodeCount * 2 > capacity { grow() }
        return id
    }

    private mutating func grow() {
        let oldCap = capacity
        let old = slots
        let gen = generation
        capacity = oldCap << 1
        shift -= 1
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: TrieSlot(key: 0, val: 0, stamp: 0), count: capacity)
        generation = 1
        let mask = capacity - 1
        for s in 0..<oldCap where old[s].stamp == gen {
            let key = old[s].key
            var i = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while slots[i].stamp == 1 { i = (i + 1) & mask }
            slots[i] = TrieSlot(key: key, val: old[s].val, stamp: 1)
        }
        old.deallocate()
    }
}

/// A growable, zero-initialized flat array indexed by node id (no bounds or uniqueness checks in hot loops).
struct NodeArray<Element: FixedWidthInteger>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int

    init(capacity requested: Int = 1024) {
        capacity = max(16, requested)
        base = .allocate(capacity: capacity)
        base.initialize(repeating: 0, count: capacity)
    }

    deinit { base.deallocate() }

    /// Makes ids 0...maxID addressable (new slots are zero).
    @inline(__always)
    mutating func ensure(_ maxID: Int) {
        if maxID >= capacity { grow(maxID) }
    }

    private mutating func grow(_ maxID: Int) {
        var cap = capacity
        while cap <= maxID { cap <<= 1 }
        let nb = UnsafeMutablePointer<Element>.allocate(capacity: cap)
        nb.update(from: base, count: capacity)
        (nb + capacity).initialize(repeating: 0, count: cap - capacity)
        base.deallocate()
        base = nb
        capacity = cap
    }

    /// The value at `id` (must be ensured).
    @inline(__always)
    subscript(_ id: Int32) -> Element {
        get { base[Int(id)] }
        nonmutating set { base[Int(id)] = newValue }
    }

    /// The value at index `i` (must be ensured).
    @inline(__always)
    subscript(at i: Int) -> Element {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }
}
