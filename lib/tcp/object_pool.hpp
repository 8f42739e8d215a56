// A fixed-capacity pool of objects: all memory is reserved at start, so the
// number of live objects (and the memory they hold) is bounded by design.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace synline::tcp {

template <class T>
class ObjectPool {
public:
    explicit ObjectPool(std::size_t capacity)
        : storage_(new Slot[capacity]), capacity_(capacity) {
        free_.reserve(capacity);
        for (std::size_t i = capacity; i-- > 0;) free_.push_back(&storage_[i]);
    }
    ObjectPool(const ObjectPool&) = delete;
    ObjectPool& operator=(const ObjectPool&) = delete;

    // nullptr when every slot is in use.
    template <class... Args>
    T* create(Args&&... args) {
        if (free_.empty()) return nullptr;
        Slot* s = free_.back();
        free_.pop_back();
        return new (s->bytes) T(std::forward<Args>(args)...);
    }

    void destroy(T* obj) {
        obj->~T();
        free_.push_back(reinterpret_cast<Slot*>(obj));
    }

    std::size_t in_use() const { return capacity_ - free_.size(); }
    std::size_t capacity() const { return capacity_; }

private:
    struct Slot {
        alignas(T) unsigned char bytes[sizeof(T)];
    };
    std::unique_ptr<Slot[]> storage_;
    std::vector<Slot*> free_;
    std::size_t capacity_;
};

}  // namespace synline::tcp
