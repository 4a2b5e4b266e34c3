// Writes the decoder fuzzer's seed corpus: streams of valid packets of every
// type and version (from the round-trip generator), each prefixed with the
// fuzzer's mode byte. Run: roost_fuzz_seed_corpus tests/fuzz/corpus

#include <cstdio>
#include <fstream>
#include <string>

#include "protocol/encoder.hpp"
#include "protocol/packet_generator.hpp"  // tests/unit/protocol

using namespace roost::protocol;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  test::PacketGenerator gen(20261125);
  int file = 0;
  struct Mode {
    std::uint8_t bits;
    ProtocolVersion version;
    Role sender;
    bool starts_with_connect;
  };
  const Mode modes[] = {
      {0x00, ProtocolVersion::kV311, Role::kClient, true},  {0x00, ProtocolVersion::kV5, Role::kClient, true},
      {0x00, ProtocolVersion::kV31, Role::kClient, true},   {0x01, ProtocolVersion::kV31, Role::kClient, false},
      {0x02, ProtocolVersion::kV311, Role::kClient, false}, {0x03, ProtocolVersion::kV5, Role::kClient, false},
      {0x06, ProtocolVersion::kV311, Role::kServer, false}, {0x07, ProtocolVersion::kV5, Role::kServer, false},
  };
  for (const Mode& m : modes) {
    for (int i = 0; i < 12; ++i) {
      std::string bytes(1, static_cast<char>(m.bits | (i % 4 == 0 ? 0x38 : 0x00)));  // some fed 8 bytes at a time
      const Encoder encoder(m.sender, m.version);
      const int count = 1 + i % 3;
      for (int k = 0; k < count; ++k) {
        PacketBody p = (k == 0 && m.starts_with_connect) ? gen.packet_of(PacketType::kConnect, m.sender, m.version)
                                                         : gen.packet(m.sender, m.version);
        if (type_of(p) == PacketType::kConnect && !(k == 0 && m.starts_with_connect)) continue;
        Frame frame;
        if (!encoder.encode(p, frame)) return 1;
        for (std::uint8_t b : frame.flatten()) bytes.push_back(static_cast<char>(b));
      }
      char name[32];
      std::snprintf(name, sizeof name, "/seed-%03d", file++);
      std::ofstream(dir + name, std::ios::binary) << bytes;
    }
  }
  std::printf("wrote %d seeds to %s\n", file, dir.c_str());
  return 0;
}
