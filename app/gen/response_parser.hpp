// Recognises where responses end in a byte stream, incrementally: HTTP/1.x
// (status line, headers, Content-Length body) or a fixed number of bytes per
// response (echo and other raw targets). One parser per connection.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace synline::gen {

class ResponseParser {
public:
    enum class Result : std::uint8_t { need_more, complete, bad };

    // fixed_bytes 0: HTTP; otherwise every response is exactly this long.
    explicit ResponseParser(std::uint32_t fixed_bytes = 0) : fixed_(fixed_bytes) { reset(); }
    void reset();

    // Consumes bytes from `data` up to the end of the current response at most.
    // `used` tells how many were taken; call again with the rest after
    // `complete` (pipelined responses). After `bad`, the stream is unusable.
    Result feed(std::span<const std::uint8_t> data, std::size_t& used);

    int status() const { return status_; }
    bool server_closes() const { return close_; }  // "Connection: close" seen
    const char* error() const { return error_; }

private:
    Result parse_head(std::string_view head);

    std::uint32_t fixed_;
    bool in_body_ = false;
    std::uint64_t body_left_ = 0;
    std::string head_;  // a response head split over segments (rare)
    int status_ = 0;
    bool close_ = false;
    const char* error_ = "";
};

}  // namespace synline::gen
