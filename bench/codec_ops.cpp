// Runs one codec operation a fixed number of times, for instruction counts:
//   valgrind --tool=callgrind roost_codec_ops CASE N
// scripts/bench-instructions runs it for two N and divides the difference,
// which cancels set-up cost. Instruction counts do not vary with machine load.

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "codec_cases.hpp"

using namespace roost::bench;

int main(int argc, char** argv) {
  const std::map<std::string, std::function<std::function<bool()>()>> cases = {
      {"decode_publish_v311_qos0_64",
       [] {
         return
             [op = std::make_shared<DecodePublish>(ProtocolVersion::kV311, QoS::k0, 64, false)] { return op->run(); };
       }},
      {"decode_publish_v5_qos1_64",
       [] {
         return [op = std::make_shared<DecodePublish>(ProtocolVersion::kV5, QoS::k1, 64, false)] { return op->run(); };
       }},
      {"decode_publish_v5_qos1_props_64",
       [] {
         return [op = std::make_shared<DecodePublish>(ProtocolVersion::kV5, QoS::k1, 64, true)] { return op->run(); };
       }},
      {"encode_publish_v311_qos0_64",
       [] {
         return
             [op = std::make_shared<EncodePublish>(ProtocolVersion::kV311, QoS::k0, 64, false)] { return op->run(); };
       }},
      {"encode_publish_v5_qos1_64",
       [] {
         return [op = std::make_shared<EncodePublish>(ProtocolVersion::kV5, QoS::k1, 64, false)] { return op->run(); };
       }},
      {"encode_publish_v5_qos1_props_64",
       [] {
         return [op = std::make_shared<EncodePublish>(ProtocolVersion::kV5, QoS::k1, 64, true)] { return op->run(); };
       }},
      {"decode_puback_v5", [] { return [op = std::make_shared<DecodePubacks>(1)] { return op->run(); }; }},
      {"decode_connect_v5", [] { return [op = std::make_shared<DecodeConnect>()] { return op->run(); }; }},
  };
  if (argc != 3 || cases.count(argv[1]) == 0) {
    std::fprintf(stderr, "usage: %s CASE N\ncases:", argv[0]);
    for (const auto& [name, make] : cases) std::fprintf(stderr, " %s", name.c_str());
    std::fprintf(stderr, "\n");
    return 2;
  }
  const auto op = cases.at(argv[1])();
  const long n = std::strtol(argv[2], nullptr, 10);
  bool ok = true;
  for (long i = 0; i < n; ++i) ok &= op();
  return ok ? 0 : 1;
}
