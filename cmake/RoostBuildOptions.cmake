# Compiler and linker flags shared by every Roost target.

# Warnings: every project target links roost_warnings privately. Third-party
# headers come in as system headers, so their warnings stay theirs.
add_library(roost_warnings INTERFACE)
target_compile_options(roost_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough -Wformat=2
  $<$<BOOL:${ROOST_WERROR}>:-Werror>)
if(CMAKE_CROSSCOMPILING)
  target_compile_options(roost_warnings INTERFACE -Wno-psabi)
endif()

if(ROOST_ASAN AND ROOST_TSAN)
  message(FATAL_ERROR "ROOST_ASAN and ROOST_TSAN cannot be combined")
endif()

if(ROOST_ASAN OR ROOST_FUZZ)
  # Sanitizer reports are failures: no recovery, so a test or fuzz run stops.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
endif()
if(ROOST_TSAN)
  # -Wno-tsan: GCC warns that TSan does not model the fences Asio uses
  # internally; the warning is about Asio's headers, not our code.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer $<$<CXX_COMPILER_ID:GNU>:-Wno-tsan>)
  add_link_options(-fsanitize=thread)
endif()

if(ROOST_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "ROOST_FUZZ needs clang: configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  # Libraries get coverage instrumentation; only fuzz targets link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(ROOST_STATIC)
  if(ROOST_ASAN OR ROOST_TSAN OR ROOST_FUZZ)
    message(FATAL_ERROR "ROOST_STATIC cannot be combined with sanitizers")
  endif()
  # Must come before any find_package, else a shared .so is picked and the link fails.
  set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
  add_compile_options(-ffunction-sections -fdata-sections)
  add_link_options(-static -Wl,--gc-sections)
endif()

# 64-bit atomics (the traffic counters): a 32-bit ARM without LDREXD (the
# ARMv6 build) compiles them to calls into libatomic.
include(CheckCXXSourceCompiles)
check_cxx_source_compiles([=[
#include <atomic>
#include <cstdint>
std::atomic<std::uint64_t> counter{0};
int main() { counter.fetch_add(1); return static_cast<int>(counter.load()); }
]=] ROOST_ATOMICS_WITHOUT_LIBATOMIC)
if(NOT ROOST_ATOMICS_WITHOUT_LIBATOMIC)
  link_libraries(atomic)
endif()
