#pragma once
// A small HTTP/1.1 client for the Home Assistant Supervisor's API: one
// request per connection (Connection: close), asynchronous on an Asio
// io_context, bounded by a timeout. The response parser is sans-I/O and
// unit-tested on its own.

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace roost::net {

struct HttpUrl {
  std::string host;
  std::uint16_t port = 80;
  std::string path;  // "" or "/prefix" (no trailing slash)
};

// "http://host[:port][/path]"; nullopt for anything else (https included).
std::optional<HttpUrl> parse_http_url(std::string_view url);

struct HttpRequest {
  std::string method = "GET";
  std::string target;  // "/services/mqtt", appended to the URL's path
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
};

// The request's bytes: adds Host, Content-Length (when there is a body) and Connection: close.
std::string format_http_request(const HttpUrl& url, const HttpRequest& request);

// Reads one response: Content-Length, chunked, or up to the end of the connection.
class HttpResponseParser {
 public:
  enum class State : std::uint8_t { kMore, kDone, kError };
  static constexpr std::size_t kMaxSize = 1 << 20;  // a Supervisor answer is small

  State feed(std::string_view data);
  State finish();  // the peer closed the connection
  const HttpResponse& response() const noexcept { return response_; }
  const std::string& error() const noexcept { return error_; }

 private:
  State parse();
  State fail(std::string what);

  std::string buffer_;
  HttpResponse response_;
  bool head_done_ = false;
  bool chunked_ = false;
  std::optional<std::size_t> content_length_;
  State state_ = State::kMore;
  std::string error_;
};

// The address `name` has in a hosts file's `text` (/etc/hosts syntax), or
// "" when it has none. The HTTP client looks names up there first: the
// Supervisor adds `supervisor` to the add-on's /etc/hosts, and a static
// binary's getaddrinfo cannot read it on a musl-based (Alpine) system.
std::string lookup_hosts_file(std::string_view text, std::string_view name);

// The address of `host`: itself when it is one, else its entry in /etc/hosts.
std::optional<asio::ip::address> hosts_file_address(const std::string& host);

// Sends `request` to `url`. `done` runs once, on `io`'s thread, with the
// response or, when none came in time or the connection failed, an error.
using HttpDone = std::function<void(std::optional<HttpResponse> response, std::string error)>;
void http_request(asio::io_context& io, const HttpUrl& url, const HttpRequest& request,
                  std::chrono::milliseconds timeout, HttpDone done);

}  // namespace roost::net
