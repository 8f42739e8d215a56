// One mbuf pool per worker, on the NUMA socket of that worker's lcore, so RX
// descriptors and the packets a core touches are local to it.
#pragma once

#include <cstdint>
#include <string>

#include "engine/config.hpp"

struct rte_mempool;

namespace synline::engine {

class MbufPool {
public:
    // `name` must be unique in the process and at most 25 characters (DPDK's
    // RTE_MEMPOOL_NAMESIZE). Size, cache and packing come from `cfg`; the data
    // room fits one frame of cfg.mtu (at least DPDK's default 2048 + headroom).
    // Throws ConfigError naming the size and the fix when memory runs out.
    MbufPool(const std::string& name, unsigned lcore_id, const PortConfig& cfg);
    ~MbufPool();
    MbufPool(const MbufPool&) = delete;
    MbufPool& operator=(const MbufPool&) = delete;

    rte_mempool* get() const { return pool_; }
    bool packed() const { return packed_; }
    int socket_id() const { return socket_; }
    unsigned size() const;
    unsigned available() const;  // free mbufs, including per-lcore caches
    uint16_t data_room() const { return data_room_; }
    // The largest frame one mbuf holds: the data room less the headroom.
    uint16_t frame_capacity() const;

private:
    rte_mempool* pool_ = nullptr;
    bool packed_ = false;
    int socket_ = -1;
    uint16_t data_room_ = 0;
};

}  // namespace synline::engine
