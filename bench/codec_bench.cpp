// Codec micro-benchmarks: time per decode and encode on the publish path.
// Run: build/release/bench/roost_codec_bench (figures in docs/benchmarks.md).

#include <benchmark/benchmark.h>

#include "codec_cases.hpp"

namespace {

using namespace roost::bench;

void decode_publish(benchmark::State& state, ProtocolVersion v, QoS qos, bool with_props) {
  DecodePublish op(v, qos, static_cast<std::size_t>(state.range(0)), with_props);
  for (auto _ : state) benchmark::DoNotOptimize(op.run());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * op.wire_size()));
}

void encode_publish_for_subscriber(benchmark::State& state, ProtocolVersion v, QoS qos, bool with_props) {
  EncodePublish op(v, qos, static_cast<std::size_t>(state.range(0)), with_props);
  for (auto _ : state) benchmark::DoNotOptimize(op.run());
}

void decode_puback_stream(benchmark::State& state) {
  DecodePubacks op(1000);
  for (auto _ : state) benchmark::DoNotOptimize(op.run());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * op.count()));
}

void decode_connect(benchmark::State& state) {
  DecodeConnect op;
  for (auto _ : state) benchmark::DoNotOptimize(op.run());
}

}  // namespace

BENCHMARK_CAPTURE(decode_publish, v311_qos0, ProtocolVersion::kV311, QoS::k0, false)->Arg(64)->Arg(1024);
BENCHMARK_CAPTURE(decode_publish, v311_qos1, ProtocolVersion::kV311, QoS::k1, false)->Arg(64);
BENCHMARK_CAPTURE(decode_publish, v5_qos1, ProtocolVersion::kV5, QoS::k1, false)->Arg(64);
BENCHMARK_CAPTURE(decode_publish, v5_qos1_props, ProtocolVersion::kV5, QoS::k1, true)->Arg(64);
BENCHMARK_CAPTURE(encode_publish_for_subscriber, v311_qos0, ProtocolVersion::kV311, QoS::k0, false)->Arg(64);
BENCHMARK_CAPTURE(encode_publish_for_subscriber, v5_qos1, ProtocolVersion::kV5, QoS::k1, false)->Arg(64);
BENCHMARK_CAPTURE(encode_publish_for_subscriber, v5_qos1_props, ProtocolVersion::kV5, QoS::k1, true)->Arg(64);
BENCHMARK(decode_puback_stream);
BENCHMARK(decode_connect);

BENCHMARK_MAIN();
