#include "net/http_client.hpp"

#include <algorithm>
#include <array>
#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <charconv>
#include <cstdio>
#include <memory>

namespace roost::net {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

template <class T>
bool parse_number(std::string_view text, T& out, int base = 10) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
}

}  // namespace

std::optional<HttpUrl> parse_http_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return std::nullopt;
  url.remove_prefix(kScheme.size());
  HttpUrl out;
  const auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) out.path = std::string(url.substr(slash));
  while (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
  if (authority.starts_with('[')) {  // [v6]:port
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (!authority.empty() && !authority.starts_with(':')) return std::nullopt;
  } else {
    const auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    authority = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
  }
  if (authority.starts_with(':') && !parse_number(authority.substr(1), out.port)) return std::nullopt;
  if (out.host.empty() || out.port == 0) return std::nullopt;
  return out;
}

std::string format_http_request(const HttpUrl& url, const HttpRequest& request) {
  const bool v6 = url.host.find(':') != std::string::npos;
  std::string out = request.method + " " + url.path + request.target +
                    " HTTP/1.1\r\nHost: " + (v6 ? "[" + url.host + "]" : url.host) +
                    (url.port == 80 ? std::string() : ":" + std::to_string(url.port)) + "\r\n";
  for (const auto& [name, value] : request.headers) out.append(name).append(": ").append(value).append("\r\n");
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    out += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  out += "Connection: close\r\n\r\n";
  out += request.body;
  return out;
}

HttpResponseParser::State HttpResponseParser::fail(std::string what) {
  error_ = std::move(what);
  return state_ = State::kError;
}

HttpResponseParser::State HttpResponseParser::feed(std::string_view data) {
  if (state_ != State::kMore) return state_;
  if (buffer_.size() + data.size() > kMaxSize) return fail("the response is larger than 1 MiB");
  buffer_.append(data);
  return parse();
}

HttpResponseParser::State HttpResponseParser::finish() {
  if (state_ != State::kMore) return state_;
  if (!head_done_) return fail("the connection closed before a complete response");
  if (chunked_ || content_length_) return fail("the connection closed in the middle of the body");
  response_.body = std::move(buffer_);  // no length given: the body ends with the connection
  buffer_.clear();
  return state_ = State::kDone;
}

HttpResponseParser::State HttpResponseParser::parse() {
  if (!head_done_) {
    const auto end = buffer_.find("\r\n\r\n");
    if (end == std::string::npos) return State::kMore;
    std::string_view head(buffer_.data(), end);
    const auto eol = head.find("\r\n");
    const std::string_view status_line = head.substr(0, eol);
    // "HTTP/1.1 200 OK"
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ' ||
        !parse_number(status_line.substr(9, 3), response_.status) || response_.status < 100) {
      return fail("not an HTTP response: \"" + std::string(status_line.substr(0, 40)) + "\"");
    }
    std::string_view rest = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
    while (!rest.empty()) {
      const auto next = rest.find("\r\n");
      const std::string_view line = rest.substr(0, next);
      rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 2);
      const auto colon = line.find(':');
      if (colon == std::string_view::npos) return fail("a header line without ':'");
      std::string name = lower(trim(line.substr(0, colon)));
      const std::string_view value = trim(line.substr(colon + 1));
      if (name == "content-length") {
        std::size_t n = 0;
        if (!parse_number(value, n)) return fail("a bad Content-Length");
        content_length_ = n;
      } else if (name == "transfer-encoding" && lower(value).find("chunked") != std::string::npos) {
        chunked_ = true;
      }
      response_.headers.emplace_back(std::move(name), std::string(value));
    }
    buffer_.erase(0, end + 4);
    head_done_ = true;
  }
  if (chunked_) {
    // size CRLF data CRLF ... 0 CRLF CRLF
    std::size_t pos = 0;
    std::string body;
    while (true) {
      const auto eol = buffer_.find("\r\n", pos);
      if (eol == std::string::npos) return State::kMore;
      std::string_view size_text(buffer_.data() + pos, eol - pos);
      size_text = size_text.substr(0, size_text.find(';'));
      std::size_t size = 0;
      if (!parse_number(trim(size_text), size, 16) || size > kMaxSize) return fail("a bad chunk size");
      if (size == 0) {
        if (buffer_.find("\r\n", eol + 2) == std::string::npos) return State::kMore;
        response_.body = std::move(body);
        return state_ = State::kDone;
      }
      if (buffer_.size() < eol + 2 + size + 2) return State::kMore;
      body.append(buffer_, eol + 2, size);
      pos = eol + 2 + size + 2;
    }
  }
  if (content_length_) {
    if (buffer_.size() < *content_length_) return State::kMore;
    response_.body = buffer_.substr(0, *content_length_);
    return state_ = State::kDone;
  }
  if (response_.status == 204 || response_.status == 304 || response_.status < 200) return state_ = State::kDone;
  return State::kMore;  // until the connection closes
}

std::string lookup_hosts_file(std::string_view text, std::string_view name) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    line = line.substr(0, line.find('#'));
    std::vector<std::string_view> fields;
    while (!line.empty()) {
      const auto start = line.find_first_not_of(" \t\r");
      if (start == std::string_view::npos) break;
      line.remove_prefix(start);
      const auto end = line.find_first_of(" \t\r");
      fields.push_back(line.substr(0, end));
      line = end == std::string_view::npos ? std::string_view{} : line.substr(end);
    }
    for (std::size_t i = 1; i < fields.size(); ++i) {
      if (fields[i] == name) return std::string(fields[0]);
    }
  }
  return {};
}

std::optional<asio::ip::address> hosts_file_address(const std::string& host) {
  std::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) return address;
  std::string text;
  if (std::FILE* f = std::fopen("/etc/hosts", "rb")) {
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && text.size() < (1U << 20)) text.append(buf, n);
    std::fclose(f);
  }
  const auto found = asio::ip::make_address(lookup_hosts_file(text, host), ec);
  if (!ec) return found;
  return std::nullopt;
}

namespace {

// One request in flight: owns its sockets and timer; finishes exactly once.
struct HttpOperation : std::enable_shared_from_this<HttpOperation> {
  HttpOperation(asio::io_context& io, HttpDone on_done)
      : resolver(io), socket(io), timer(io), done(std::move(on_done)) {}

  void finish(std::optional<HttpResponse> response, std::string error) {
    if (!done) return;
    HttpDone d = std::move(done);
    done = nullptr;
    timer.cancel();
    resolver.cancel();
    std::error_code ignored;
    socket.close(ignored);
    d(std::move(response), std::move(error));
  }

  void read() {
    socket.async_read_some(asio::buffer(chunk), [self = shared_from_this()](std::error_code ec, std::size_t n) {
      HttpResponseParser::State s = HttpResponseParser::State::kMore;
      if (n > 0) s = self->parser.feed(std::string_view(self->chunk.data(), n));
      if (s == HttpResponseParser::State::kMore && ec) {
        if (ec != asio::error::eof) return self->finish(std::nullopt, ec.message());
        s = self->parser.finish();
      }
      if (s == HttpResponseParser::State::kDone) return self->finish(self->parser.response(), {});
      if (s == HttpResponseParser::State::kError) return self->finish(std::nullopt, self->parser.error());
      self->read();
    });
  }

  asio::ip::tcp::resolver resolver;
  asio::ip::tcp::socket socket;
  asio::steady_timer timer;
  HttpDone done;
  std::string request;
  std::array<char, 4096> chunk{};
  HttpResponseParser parser;
};

}  // namespace

void http_request(asio::io_context& io, const HttpUrl& url, const HttpRequest& request,
                  std::chrono::milliseconds timeout, HttpDone done) {
  auto op = std::make_shared<HttpOperation>(io, std::move(done));
  op->request = format_http_request(url, request);
  op->timer.expires_after(timeout);
  op->timer.async_wait([op, timeout](std::error_code ec) {
    if (!ec) op->finish(std::nullopt, "no answer within " + std::to_string(timeout.count()) + " ms");
  });
  auto connected = [op](std::error_code ec) {
    if (ec) return op->finish(std::nullopt, "cannot connect: " + ec.message());
    std::error_code ignored;
    op->socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    asio::async_write(op->socket, asio::buffer(op->request), [op](std::error_code ec2, std::size_t) {
      if (ec2) return op->finish(std::nullopt, "cannot send the request: " + ec2.message());
      op->read();
    });
  };
  if (const auto address = hosts_file_address(url.host)) {
    op->socket.async_connect(asio::ip::tcp::endpoint(*address, url.port), connected);
    return;
  }
  op->resolver.async_resolve(
      url.host, std::to_string(url.port),
      [op, connected](std::error_code ec, const asio::ip::tcp::resolver::results_type& found) {
        if (ec) return op->finish(std::nullopt, "cannot resolve " + ec.message());
        asio::async_connect(op->socket, found,
                            [connected](std::error_code ec2, const asio::ip::tcp::endpoint&) { connected(ec2); });
      });
}

}  // namespace roost::net
