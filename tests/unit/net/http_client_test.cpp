// The HTTP client's pure parts: URLs, the request bytes, the response parser.

#include "net/http_client.hpp"

#include <gtest/gtest.h>

namespace roost::net {
namespace {

TEST(HttpUrl, ParsesTheSupervisorsForms) {
  auto u = parse_http_url("http://supervisor");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "supervisor");
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->path, "");
  u = parse_http_url("http://127.0.0.1:8123/api/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 8123);
  EXPECT_EQ(u->path, "/api");
  u = parse_http_url("http://[::1]:99");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_FALSE(parse_http_url("https://supervisor"));
  EXPECT_FALSE(parse_http_url("http://:80"));
  EXPECT_FALSE(parse_http_url("http://host:99999"));
  EXPECT_FALSE(parse_http_url("http://host:x"));
}

TEST(HostsFile, FindsANameAmongAliasesAndSkipsComments) {
  const std::string hosts =
      "127.0.0.1\tlocalhost\n"
      "# 10.0.0.1 supervisor\n"
      "172.30.32.2  supervisor hassio   # the Supervisor\n"
      "fd0c:ac1e:2100::2 supervisor6\r\n";
  EXPECT_EQ(lookup_hosts_file(hosts, "supervisor"), "172.30.32.2");
  EXPECT_EQ(lookup_hosts_file(hosts, "hassio"), "172.30.32.2");
  EXPECT_EQ(lookup_hosts_file(hosts, "supervisor6"), "fd0c:ac1e:2100::2");
  EXPECT_EQ(lookup_hosts_file(hosts, "localhost"), "127.0.0.1");
  EXPECT_EQ(lookup_hosts_file(hosts, "127.0.0.1"), "");
  EXPECT_EQ(lookup_hosts_file(hosts, "super"), "");
}

TEST(HttpRequest, HasHostLengthAndClose) {
  HttpRequest r;
  r.method = "POST";
  r.target = "/auth";
  r.headers = {{"Content-Type", "application/json"}};
  r.body = "{}";
  EXPECT_EQ(format_http_request(*parse_http_url("http://127.0.0.1:81"), r),
            "POST /auth HTTP/1.1\r\nHost: 127.0.0.1:81\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            "Connection: close\r\n\r\n{}");
}

TEST(HttpResponseParser, ContentLengthInPieces) {
  HttpResponseParser p;
  const std::string text = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello";
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    ASSERT_EQ(p.feed(text.substr(i, 1)), HttpResponseParser::State::kMore) << i;
  }
  ASSERT_EQ(p.feed(text.substr(text.size() - 1)), HttpResponseParser::State::kDone);
  EXPECT_EQ(p.response().status, 200);
  EXPECT_EQ(p.response().body, "hello");
  EXPECT_EQ(p.response().headers[0].first, "content-type");
}

TEST(HttpResponseParser, ChunkedAndUntilClose) {
  HttpResponseParser chunked;
  EXPECT_EQ(chunked.feed("HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n"),
            HttpResponseParser::State::kMore);
  EXPECT_EQ(chunked.feed("0\r\n\r\n"), HttpResponseParser::State::kDone);
  EXPECT_EQ(chunked.response().status, 401);
  EXPECT_EQ(chunked.response().body, "abcde");
  HttpResponseParser until_close;
  EXPECT_EQ(until_close.feed("HTTP/1.0 500 Oops\r\n\r\npartial"), HttpResponseParser::State::kMore);
  EXPECT_EQ(until_close.finish(), HttpResponseParser::State::kDone);
  EXPECT_EQ(until_close.response().body, "partial");
}

TEST(HttpResponseParser, BadInputIsAnError) {
  HttpResponseParser a;
  EXPECT_EQ(a.feed("SSH-2.0-OpenSSH\r\n\r\n"), HttpResponseParser::State::kError);
  HttpResponseParser b;
  EXPECT_EQ(b.feed("HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n"), HttpResponseParser::State::kError);
  HttpResponseParser c;
  EXPECT_EQ(c.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"), HttpResponseParser::State::kMore);
  EXPECT_EQ(c.finish(), HttpResponseParser::State::kError);
  HttpResponseParser d;
  EXPECT_EQ(d.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), HttpResponseParser::State::kError);
  HttpResponseParser huge_chunk;  // a size that would wrap around the buffer's arithmetic
  EXPECT_EQ(huge_chunk.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffec\r\nab\r\n"),
            HttpResponseParser::State::kError);
  HttpResponseParser e;
  EXPECT_EQ(e.feed(std::string(HttpResponseParser::kMaxSize + 1, 'x')), HttpResponseParser::State::kError);
}

}  // namespace
}  // namespace roost::net
