#include "engine/port.hpp"

#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#include <cstdio>
#include <thread>

namespace synline::engine {

namespace {

// Start-up notes that are not errors (a device refusing an optional setting).
// One line each on stderr: the app has no logger yet at this layer.
void note(const std::string& port, const std::string& msg)
{
    std::fprintf(stderr, "synline: port %s: %s\n", port.c_str(), msg.c_str());
}

std::string err_text(int ret) { return rte_strerror(ret < 0 ? -ret : ret); }

std::string port_name_of(uint16_t id)
{
    char buf[RTE_ETH_NAME_MAX_LEN] = {};
    rte_eth_dev_get_name_by_port(id, buf);
    return buf;
}

uint16_t find_port(const std::string& wanted)
{
    std::string names;
    uint16_t first = RTE_MAX_ETHPORTS;
    uint16_t id;
    RTE_ETH_FOREACH_DEV(id)
    {
        if (first == RTE_MAX_ETHPORTS) first = id;
        names += (names.empty() ? "" : ", ") + port_name_of(id);
    }
    if (first == RTE_MAX_ETHPORTS) {
        // Most vdevs need privileges to open their device (af_packet and tap
        // need CAP_NET_RAW/CAP_NET_ADMIN); name that cause first when it applies.
        if (::geteuid() != 0)
            throw ConfigError("no DPDK port could be opened and this process is not root: "
                              "run it as root (or with CAP_NET_RAW, CAP_NET_ADMIN and CAP_IPC_LOCK)");
        throw ConfigError("no DPDK port found: check eal.vdevs (e.g. net_af_packet0,iface=veth0) "
                          "and that the interface exists");
    }
    if (wanted.empty()) {
        if (rte_eth_dev_count_avail() > 1)
            note(port_name_of(first), "several ports (" + names +
                                          "); using the first (set port.port_name to choose)");
        return first;
    }
    if (rte_eth_dev_get_port_by_name(wanted.c_str(), &id) != 0)
        throw ConfigError("port.port_name = '" + wanted + "' matches no DPDK port (found: " +
                          names + "): use one of those names");
    return id;
}

}  // namespace

Port::Port(const PortConfig& cfg, const std::vector<rte_mempool*>& rx_pools)
{
    id_ = find_port(cfg.port_name);
    name_ = port_name_of(id_);
    if (rx_pools.empty()) throw std::logic_error("Port: no RX pool given");
    if (cfg.queues > rx_pools.size())
        throw ConfigError("port.queues = " + std::to_string(cfg.queues) + " is more than the " +
                          std::to_string(rx_pools.size()) +
                          " workers: give each worker at most one queue pair (0: one each)");
    queues_ = cfg.queues ? cfg.queues : static_cast<uint16_t>(rx_pools.size());

    rte_eth_dev_info dev{};
    if (int ret = rte_eth_dev_info_get(id_, &dev); ret != 0)
        throw ConfigError("port " + name_ + ": cannot read device info: " + err_text(ret));
    driver_ = dev.driver_name ? dev.driver_name : "?";

    const uint16_t max_q = std::min(dev.max_rx_queues, dev.max_tx_queues);
    if (queues_ > max_q)
        throw ConfigError("port " + name_ + " (" + driver_ + ") has at most " +
                          std::to_string(max_q) + " RX/TX queue pairs but " +
                          std::to_string(queues_) +
                          (cfg.queues ? " (port.queues) are asked for" : " workers need one each") +
                          ": use fewer workers in eal.lcores or fewer port.queues, or give the "
                          "device more queues (af_packet: qpairs=${workers} in eal.vdevs)");

    rte_eth_conf conf{};

    // Checksum offloads only when configured AND offered, as a pair: the data
    // path has one switch per direction.
    const uint64_t rx_want = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
    const uint64_t tx_want = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
    rx_csum_ = cfg.rx_checksum_offload && (dev.rx_offload_capa & rx_want) == rx_want;
    tx_csum_ = cfg.tx_checksum_offload && (dev.tx_offload_capa & tx_want) == tx_want;
    if (cfg.rx_checksum_offload && !rx_csum_)
        note(name_, "no RX IPv4+TCP checksum offload; verifying in software");
    if (cfg.tx_checksum_offload && !tx_csum_)
        note(name_, "no TX IPv4+TCP checksum offload; computing in software");
    if (rx_csum_) conf.rxmode.offloads |= rx_want;
    if (tx_csum_) conf.txmode.offloads |= tx_want;

    // RSS spreads flows over the queues; with one queue there is nothing to spread.
    const uint64_t hf = (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP) & dev.flow_type_rss_offloads;
    if (cfg.rss && queues_ > 1) {
        if (hf == 0) {
            note(name_, "no RSS for IPv4/TCP; the device alone decides which queue gets a flow");
        } else {
            const size_t want = dev.hash_key_size ? dev.hash_key_size : 40;
            rss_key_ = cfg.rss_key.empty() ? symmetric_rss_key(want) : cfg.rss_key;
            if (rss_key_.size() != want)
                throw ConfigError("port.rss_key has " + std::to_string(rss_key_.size()) +
                                  " bytes but " + name_ + " (" + driver_ + ") needs " +
                                  std::to_string(want) +
                                  ": give a key of that size or leave rss_key empty");
            conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
            conf.rx_adv_conf.rss_conf.rss_key = rss_key_.data();
            conf.rx_adv_conf.rss_conf.rss_key_len = static_cast<uint8_t>(rss_key_.size());
            conf.rx_adv_conf.rss_conf.rss_hf = hf;
            if (dev.rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH)
                conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
            rss_ = true;
        }
    }

    if (int ret = rte_eth_dev_configure(id_, queues_, queues_, &conf); ret != 0)
        throw ConfigError("port " + name_ + " (" + driver_ + "): configure with " +
                          std::to_string(queues_) + " queue pairs failed: " + err_text(ret) +
                          ": check port.* offload/rss settings");

    // From here on the device is configured: close it if anything below fails,
    // so a peer (memif) sees a clean disconnect.
    try {
        rx_desc_ = cfg.rx_desc;
        tx_desc_ = cfg.tx_desc;
        if (int ret = rte_eth_dev_adjust_nb_rx_tx_desc(id_, &rx_desc_, &tx_desc_); ret != 0)
            throw ConfigError("port " + name_ + ": descriptor counts " + std::to_string(cfg.rx_desc) +
                              "/" + std::to_string(cfg.tx_desc) + " refused: " + err_text(ret));
        if (rx_desc_ != cfg.rx_desc || tx_desc_ != cfg.tx_desc)
            note(name_, "descriptors adjusted by the device to rx " + std::to_string(rx_desc_) +
                            ", tx " + std::to_string(tx_desc_));

        // MTU failure is tolerated: memif and some vdevs refuse any change.
        rte_eth_dev_get_mtu(id_, &mtu_);
        if (mtu_ != cfg.mtu) {
            if (int ret = rte_eth_dev_set_mtu(id_, cfg.mtu); ret != 0)
                note(name_, "MTU " + std::to_string(cfg.mtu) + " refused (" + err_text(ret) +
                                "); keeping " + std::to_string(mtu_));
            rte_eth_dev_get_mtu(id_, &mtu_);
        }

        for (uint16_t q = 0; q < queues_; ++q) {
            const int socket = rx_pools[q]->socket_id;
            rte_eth_rxconf rxconf = dev.default_rxconf;
            rxconf.offloads = conf.rxmode.offloads;
            if (int ret = rte_eth_rx_queue_setup(id_, q, rx_desc_, socket, &rxconf, rx_pools[q]);
                ret != 0)
                throw ConfigError("port " + name_ + ": RX queue " + std::to_string(q) +
                                  " setup failed: " + err_text(ret) +
                                  ": lower port.rx_desc or raise -m in eal.args");
            rte_eth_txconf txconf = dev.default_txconf;
            txconf.offloads = conf.txmode.offloads;
            if (int ret = rte_eth_tx_queue_setup(id_, q, tx_desc_, socket, &txconf); ret != 0)
                throw ConfigError("port " + name_ + ": TX queue " + std::to_string(q) +
                                  " setup failed: " + err_text(ret) +
                                  ": lower port.tx_desc or raise -m in eal.args");
        }

        if (rss_) program_reta(dev.reta_size);

        if (int ret = rte_eth_dev_start(id_); ret != 0)
            throw ConfigError("port " + name_ + " (" + driver_ + "): start failed: " + err_text(ret) +
                              ": check the device (memif client: start the server first)");
        started_ = true;

        if (cfg.promiscuous)
            if (int ret = rte_eth_promiscuous_enable(id_); ret != 0)
                note(name_, "promiscuous mode refused (" + err_text(ret) + ")");

        rte_ether_addr addr{};
        rte_eth_macaddr_get(id_, &addr);
        std::copy(std::begin(addr.addr_bytes), std::end(addr.addr_bytes), mac_.begin());
    } catch (...) {
        if (started_) rte_eth_dev_stop(id_);
        rte_eth_dev_close(id_);
        throw;
    }
}

void Port::program_reta(uint16_t size)
{
    // Entry i sends hash i (mod size) to queue i % queues, the table the
    // engine's steering assumes (RssSpread). A device without a table of its
    // own keeps its default, and steering counts what does not arrive home.
    if (size == 0) {
        note(name_, "no RSS redirection table to program; frames that reach the wrong worker are handed over");
        return;
    }
    std::vector<rte_eth_rss_reta_entry64> reta(size / RTE_ETH_RETA_GROUP_SIZE + 1);
    for (uint16_t i = 0; i < size; ++i) {
        reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ull << (i % RTE_ETH_RETA_GROUP_SIZE);
        reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] = i % queues_;
    }
    if (int ret = rte_eth_dev_rss_reta_update(id_, reta.data(), size); ret != 0) {
        note(name_, "RSS redirection table refused (" + err_text(ret) +
                        "); frames that reach the wrong worker are handed over");
        return;
    }
    reta_size_ = size;
}

Port::~Port()
{
    // Stop before close: memif has been seen to crash its peer otherwise
    // (machine-notes). Workers must have returned (LcoreRunner::wait_all) first.
    if (started_) rte_eth_dev_stop(id_);
    rte_eth_dev_close(id_);
}

LinkStatus Port::link() const
{
    rte_eth_link l{};
    rte_eth_link_get_nowait(id_, &l);
    LinkStatus s;
    s.up = l.link_status == RTE_ETH_LINK_UP;
    s.speed_mbps = l.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : l.link_speed;
    s.full_duplex = l.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
    return s;
}

LinkStatus Port::wait_link_up(std::chrono::milliseconds timeout) const
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        LinkStatus s = link();
        if (s.up || std::chrono::steady_clock::now() >= deadline) return s;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

PortStats Port::stats() const
{
    rte_eth_stats st{};
    rte_eth_stats_get(id_, &st);
    PortStats s;
    s.ipackets = st.ipackets;
    s.opackets = st.opackets;
    s.ibytes = st.ibytes;
    s.obytes = st.obytes;
    s.imissed = st.imissed;
    s.ierrors = st.ierrors;
    s.oerrors = st.oerrors;
    s.rx_nombuf = st.rx_nombuf;
    return s;
}

std::vector<std::pair<std::string, uint64_t>> Port::xstats() const
{
    const int n = rte_eth_xstats_get_names(id_, nullptr, 0);
    if (n <= 0) return {};
    std::vector<rte_eth_xstat_name> names(static_cast<size_t>(n));
    std::vector<rte_eth_xstat> values(static_cast<size_t>(n));
    const int got_names = rte_eth_xstats_get_names(id_, names.data(), static_cast<unsigned>(n));
    const int got = rte_eth_xstats_get(id_, values.data(), static_cast<unsigned>(n));
    std::vector<std::pair<std::string, uint64_t>> out;
    for (int i = 0; i < std::min(got, got_names); ++i)
        if (values[i].id < static_cast<uint64_t>(got_names))
            out.emplace_back(names[values[i].id].name, values[i].value);
    return out;
}

}  // namespace synline::engine
