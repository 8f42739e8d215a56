// http: answers every request with a small fixed response. Keeps the
// connection open (HTTP/1.1 default) unless the request says
// "Connection: close" or is HTTP/1.0 without "Connection: keep-alive".
#pragma once

#include <string>
#include <string_view>

#include "http_messages.hpp"
#include "tcp/connection.hpp"

namespace synline::app {

class HttpApp final : public tcp::ConnectionHandler {
public:
    std::size_t on_data(tcp::Connection& c, std::span<const std::uint8_t> data) override;
    void on_peer_closed(tcp::Connection& c) override;
    void on_closed(tcp::Connection& c, tcp::CloseReason) override;

    // Parses complete requests at the front of `bytes` and answers each.
    // Returns how many bytes were complete requests.
    static std::size_t serve_requests(tcp::Connection& c, std::string_view bytes);
};

}  // namespace synline::app
