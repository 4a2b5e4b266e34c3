// Codec micro-benchmarks: time per decode and encode on the publish path.
// Run: build/release/bench/roost_codec_bench (figures in docs/benchmarks.md).

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "codec_cases.hpp"

// Every allocation in this program is counted, so each benchmark can report
// allocations per operation next to its time.
namespace {
std::atomic<std::int64_t> g_allocations{0};

// Out of line, so the compiler does not pair malloc with operator delete.
[[gnu::noinline]] void* counted_malloc(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void counted_free(void* p) noexcept { std::free(p); }
}  // namespace

void* operator new(std::size_t size) { return counted_malloc(size); }
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }

namespace {

using namespace roost::bench;

// Runs `op` for the benchmark and reports allocations per iteration.
template <class Op>
void run_counting_allocations(benchmark::State& state, Op& op) {
  const std::int64_t before = g_allocations.load();
  for (auto _ : state) benchmark::DoNotOptimize(op.run());
  state.counters["allocs/op"] =
      benchmark::Counter(static_cast<double>(g_allocations.load() - before), benchmark::Counter::kAvgIterations);
}

void decode_publish(benchmark::State& state, ProtocolVersion v, QoS qos, bool with_props) {
  DecodePublish op(v, qos, static_cast<std::size_t>(state.range(0)), with_props);
  run_counting_allocations(state, op);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * op.wire_size()));
}

void encode_publish_for_subscriber(benchmark::State& state, ProtocolVersion v, QoS qos, bool with_props) {
  EncodePublish op(v, qos, static_cast<std::size_t>(state.range(0)), with_props);
  run_counting_allocations(state, op);
}

void decode_puback_stream(benchmark::State& state) {
  DecodePubacks op(1000);
  run_counting_allocations(state, op);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * op.count()));
}

void decode_connect(benchmark::State& state) {
  DecodeConnect op;
  run_counting_allocations(state, op);
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
