// The per-core connection table, keyed by the 4-tuple.
//
// Open addressing with linear probing: a lookup walks consecutive slots from the
// key's home slot, so a probe chain is a run of adjacent cache lines that the
// hardware prefetcher follows. Deletion shifts later members of the chain back
// (Knuth, TAOCP vol. 3, 6.4, Algorithm R) instead of leaving tombstones, so chains
// never lengthen with churn and no periodic rehash is needed.
//
// Two parallel arrays: a dense array of 16-bit signatures (0 = empty slot, else
// 16 bits of the key's hash, never 0) and the slots themselves (key, value,
// and the 32-bit hash tag that gives a resident's home slot). The hash is
// keyed (flow_hash.hpp), so no one who lacks the key can aim tuples at one
// chain. A lookup walks the signatures and reads a slot only when its
// signature matches, so the common
// miss (a SYN, a stray segment) touches 2 bytes per probe: for 65,536
// connections the signatures are 256 KiB and stay in L2, where the slots (3 MiB)
// do not. Sized once, for a load factor of at most 0.75, never reallocated.
//
// Not thread-safe: each core owns its table.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "net/four_tuple.hpp"
#include "tcp/flow_hash.hpp"

namespace synline::tcp {

template <class Value>  // a pointer type, e.g. Connection*; nullptr marks an empty slot
class FlowTable {
    static_assert(std::is_pointer_v<Value>, "FlowTable stores pointers; nullptr means absent");

public:
    // Throws std::length_error when max_entries needs more than 2^32 slots.
    // `key` keys the hash (flow_hash.hpp): keep it secret.
    FlowTable(std::size_t max_entries, const FlowHashKey& key)
        : key_(key),
          max_entries_(max_entries),
          signatures_(slot_count_for(max_entries)),
          slots_(signatures_.size()),
          mask_(slots_.size() - 1) {}

    Value find(const net::FourTuple& key) const {
        const Probe p = probe(key);
        return p.found ? slots_[p.slot].value : nullptr;
    }

    // False when the table already holds max_entries, when `key` is present, or
    // when `v` is null.
    bool insert(const net::FourTuple& key, Value v) {
        if (v == nullptr || size_ == max_entries_) return false;
        const Probe p = probe(key);
        if (p.found) return false;
        signatures_[p.slot] = p.signature;
        slots_[p.slot] = Slot{p.tag, key, v};
        ++size_;
        return true;
    }

    bool erase(const net::FourTuple& key) {
        const Probe p = probe(key);
        if (!p.found) return false;
        std::size_t hole = p.slot;
        // Backward shift: walk the rest of the chain and move back into the hole
        // every entry whose home slot does not lie cyclically between the hole and
        // its current slot, i.e. every entry a lookup would otherwise stop short of.
        for (std::size_t next = (hole + 1) & mask_; signatures_[next] != 0; next = (next + 1) & mask_) {
            const std::size_t home = slots_[next].tag & mask_;
            if (((next - home) & mask_) >= ((next - hole) & mask_)) {
                signatures_[hole] = signatures_[next];
                slots_[hole] = slots_[next];
                hole = next;
            }
        }
        signatures_[hole] = 0;
        slots_[hole] = Slot{};
        --size_;
        return true;
    }

    // Starts loading the key's home slot, for a burst that looks up several keys:
    // prefetch them all first, then find() each (DPDK l3fwd does the same).
    void prefetch(const net::FourTuple& key) const { __builtin_prefetch(&signatures_[home_slot(key)]); }

    std::size_t size() const { return size_; }
    std::size_t max_entries() const { return max_entries_; }
    std::size_t slot_count() const { return slots_.size(); }
    std::size_t home_slot(const net::FourTuple& key) const { return tag_of(flow_hash(key, key_)) & mask_; }

    // f(const FourTuple&, Value) for every entry, in slot order. f must not insert
    // into or erase from this table.
    template <class F>
    void for_each(F&& f) const {
        for (std::size_t i = 0; i < slots_.size(); ++i)
            if (signatures_[i] != 0) f(slots_[i].key, slots_[i].value);
    }

private:
    struct Slot {
        std::uint32_t tag = 0;
        net::FourTuple key{};
        Value value = nullptr;
    };

    // The hash's strongly universal high half places a key; 16 bits below it
    // sign it, with the lowest forced on: never 0.
    static std::uint32_t tag_of(std::uint64_t hash) { return static_cast<std::uint32_t>(hash >> 32); }
    static std::uint16_t signature_of(std::uint64_t hash) {
        return static_cast<std::uint16_t>(static_cast<std::uint16_t>(hash >> 16) | 1u);
    }

    // Where `key` is, or the empty slot that ends its chain.
    struct Probe {
        std::size_t slot;
        bool found;
        std::uint32_t tag;
        std::uint16_t signature;
    };
    Probe probe(const net::FourTuple& key) const {
        const std::uint64_t h = flow_hash(key, key_);
        const std::uint32_t tag = tag_of(h);
        const std::uint16_t sig = signature_of(h);
        for (std::size_t i = tag & mask_;; i = (i + 1) & mask_) {
            const std::uint16_t s = signatures_[i];
            if (s == 0) return {i, false, tag, sig};
            if (s == sig && slots_[i].key == key) return {i, true, tag, sig};
        }
    }

    static std::size_t slot_count_for(std::size_t max_entries) {
        // ceil(max_entries / 0.75), which always leaves an empty slot, so every probe
        // loop terminates; at least one slot for an empty table.
        const std::size_t wanted = std::max<std::size_t>(max_entries + (max_entries + 2) / 3, 1);
        if (wanted > (std::size_t{1} << 32))
            throw std::length_error("FlowTable: more than 2^32 slots");
        return std::bit_ceil(wanted);
    }

    FlowHashKey key_;
    std::size_t max_entries_;
    std::size_t size_ = 0;
    std::vector<std::uint16_t> signatures_;
    std::vector<Slot> slots_;
    std::size_t mask_;
};

}  // namespace synline::tcp
