#include "engine/mbuf_pool.hpp"

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>

#include <algorithm>

namespace synline::engine {

namespace {

// rte_pktmbuf_pool_create() has no flags argument, so a packed pool repeats its
// steps (DPDK 22.11 rte_pktmbuf_pool_create_by_ops) with
// RTE_MEMPOOL_F_NO_IOVA_CONTIG: objects may then straddle 4 KiB pages instead of
// each starting a new page, which without hugepages put every mbuf header in the
// same L1 set (machine-notes, "A measured trap"). Safe only when no device DMAs by
// physical address: vdevs, or IOVA-as-VA.
rte_mempool* create_packed(const std::string& name, unsigned n, unsigned cache,
                           uint16_t data_room, int socket)
{
    const unsigned elt_size = sizeof(rte_mbuf) + data_room;
    rte_pktmbuf_pool_private priv{};
    priv.mbuf_data_room_size = data_room;
    priv.mbuf_priv_size = 0;

    rte_mempool* mp = rte_mempool_create_empty(name.c_str(), n, elt_size, cache,
                                               sizeof(rte_pktmbuf_pool_private), socket,
                                               RTE_MEMPOOL_F_NO_IOVA_CONTIG);
    if (mp == nullptr) return nullptr;
    int ret = rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), nullptr);
    if (ret == 0) {
        rte_pktmbuf_pool_init(mp, &priv);
        ret = rte_mempool_populate_default(mp);
    }
    if (ret < 0) {
        rte_mempool_free(mp);
        rte_errno = -ret;
        return nullptr;
    }
    rte_mempool_obj_iter(mp, rte_pktmbuf_init, nullptr);
    return mp;
}

}  // namespace

MbufPool::MbufPool(const std::string& name, unsigned lcore_id, const PortConfig& cfg)
    : packed_(cfg.packed_pool)
{
    socket_ = static_cast<int>(rte_lcore_to_socket_id(lcore_id));
    // Ethernet header + one VLAN tag + CRC around an MTU-sized IP packet.
    const unsigned frame = cfg.mtu + 14u + 4u + 4u;
    data_room_ = static_cast<uint16_t>(
        std::max<unsigned>(RTE_MBUF_DEFAULT_BUF_SIZE, frame + RTE_PKTMBUF_HEADROOM));

    pool_ = packed_ ? create_packed(name, cfg.mbufs_per_queue, cfg.mbuf_cache, data_room_, socket_)
                    : rte_pktmbuf_pool_create(name.c_str(), cfg.mbufs_per_queue, cfg.mbuf_cache, 0,
                                              data_room_, socket_);
    if (pool_ == nullptr)
        throw ConfigError("cannot create mbuf pool '" + name + "' (" +
                          std::to_string(cfg.mbufs_per_queue) + " mbufs of " +
                          std::to_string(data_room_) + " B on socket " + std::to_string(socket_) +
                          "): " + rte_strerror(rte_errno) +
                          ": raise -m in eal.args or lower port.mbufs_per_queue");
}

MbufPool::~MbufPool() { rte_mempool_free(pool_); }

unsigned MbufPool::size() const { return pool_->size; }
unsigned MbufPool::available() const { return rte_mempool_avail_count(pool_); }

uint16_t MbufPool::frame_capacity() const
{
    return static_cast<uint16_t>(data_room_ - RTE_PKTMBUF_HEADROOM);
}

}  // namespace synline::engine
