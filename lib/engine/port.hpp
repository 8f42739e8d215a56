// RAII ownership of the one ethdev synline drives: configure, one RX/TX queue
// pair per worker (or port.queues), start; stop then close on destruction.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/config.hpp"
#include "engine/toeplitz.hpp"

struct rte_mempool;

namespace synline::engine {

struct LinkStatus {
    bool up = false;
    uint32_t speed_mbps = 0;  // 0 when the device does not say
    bool full_duplex = false;
};

// rte_eth_stats, the counters the status line prints.
struct PortStats {
    uint64_t ipackets = 0, opackets = 0;
    uint64_t ibytes = 0, obytes = 0;
    uint64_t imissed = 0;     // dropped by the device: RX ring full (we polled too slowly)
    uint64_t ierrors = 0, oerrors = 0;
    uint64_t rx_nombuf = 0;   // RX refill failed: mbuf pool empty
};

class Port {
public:
    // Picks the ethdev (cfg.port_name, else the first), configures
    // rx_pools.size() queue pairs (queue q takes RX buffers from rx_pools[q] and
    // allocates its rings on that pool's socket), and starts it. Throws
    // ConfigError with the fix when the device is missing or refuses.
    Port(const PortConfig& cfg, const std::vector<rte_mempool*>& rx_pools);
    ~Port();
    Port(const Port&) = delete;
    Port& operator=(const Port&) = delete;

    uint16_t id() const { return id_; }
    const std::string& name() const { return name_; }
    const std::string& driver() const { return driver_; }
    std::array<uint8_t, 6> mac() const { return mac_; }
    uint16_t queue_count() const { return queues_; }
    uint16_t rx_desc() const { return rx_desc_; }  // after the device's adjustment
    uint16_t tx_desc() const { return tx_desc_; }
    uint16_t mtu() const { return mtu_; }          // what the device accepted

    // True when the NIC verifies IPv4 and TCP checksums on RX (the data path
    // then reads RTE_MBUF_F_RX_*_CKSUM_* flags instead of summing).
    bool rx_ipv4_tcp_checksum_offload() const { return rx_csum_; }
    // True when the NIC fills IPv4 and TCP checksums on TX (the data path sets
    // RTE_MBUF_F_TX_IPV4 | _IP_CKSUM | _TCP_CKSUM, l2_len, l3_len and puts the
    // pseudo-header sum in the TCP checksum field).
    bool tx_checksum_offload() const { return tx_csum_; }
    // True when the device spreads flows over the queues by Toeplitz RSS with our
    // key (mbuf->hash.rss is then valid).
    bool rss_enabled() const { return rss_; }
    const std::vector<uint8_t>& rss_key() const { return rss_key_; }
    // Entries of the redirection table programmed (entry i: queue i % queues),
    // 0 when none was.
    uint16_t reta_size() const { return reta_size_; }

    LinkStatus link() const;
    // Polls until the link is up or the timeout passes; returns the last status.
    LinkStatus wait_link_up(std::chrono::milliseconds timeout) const;
    PortStats stats() const;
    // Every extended counter the driver offers, by name (drivers differ).
    std::vector<std::pair<std::string, uint64_t>> xstats() const;

private:
    void program_reta(uint16_t size);

    uint16_t id_ = 0;
    std::string name_, driver_;
    std::array<uint8_t, 6> mac_{};
    uint16_t queues_ = 0;
    uint16_t rx_desc_ = 0, tx_desc_ = 0, mtu_ = 0, reta_size_ = 0;
    bool rx_csum_ = false, tx_csum_ = false, rss_ = false;
    std::vector<uint8_t> rss_key_;
    bool started_ = false;
};

}  // namespace synline::engine
