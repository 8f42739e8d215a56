#include "http_app.hpp"

namespace synline::app {

namespace {

constexpr std::size_t kMaxRequestHead = 8192;  // a longer head is abuse: the connection is reset

const std::string& cached_response(bool keep_alive) {
    static const std::string keep = http_response(true);
    static const std::string close = http_response(false);
    return keep_alive ? keep : close;
}

}  // namespace

std::size_t HttpApp::serve_requests(tcp::Connection& c, std::string_view bytes) {
    std::size_t used = 0;
    for (;;) {
        const RequestHead head = read_head(bytes.substr(used));
        if (head.length == 0) return used;
        used += head.length;
        const bool keep = head.keep_alive;
        const std::string& r = cached_response(keep);
        c.send({reinterpret_cast<const std::uint8_t*>(r.data()), r.size()});
        if (!keep) {
            c.close();
            return bytes.size();  // anything after a closing request is ignored
        }
    }
}

std::size_t HttpApp::on_data(tcp::Connection& c, std::span<const std::uint8_t> data) {
    std::string_view bytes(reinterpret_cast<const char*>(data.data()), data.size());
    auto* partial = static_cast<std::string*>(c.app_context);
    if (!partial) {
        // Common case: whole requests in one segment, parsed in place.
        std::size_t used = serve_requests(c, bytes);
        if (used < bytes.size() && c.state() != tcp::State::closed && !c.app_context) {
            c.app_context = new std::string(bytes.substr(used));
        }
        return data.size();
    }
    partial->append(bytes);
    if (partial->size() > kMaxRequestHead) {
        c.abort();
        return data.size();
    }
    std::size_t used = serve_requests(c, *partial);
    if (auto* still = static_cast<std::string*>(c.app_context)) still->erase(0, used);
    return data.size();
}

void HttpApp::on_peer_closed(tcp::Connection& c) { c.close(); }

void HttpApp::on_closed(tcp::Connection& c, tcp::CloseReason) {
    delete static_cast<std::string*>(c.app_context);
    c.app_context = nullptr;
}

}  // namespace synline::app
