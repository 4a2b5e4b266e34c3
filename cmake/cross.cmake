# Toolchain file for cross-compiling Roost to another Debian architecture
# (scripts/cross-build sets it up):
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/cross.cmake
#         -DROOST_CROSS_TRIPLE=aarch64-linux-gnu -DROOST_CROSS_SYSROOT=<dir> ...
# The compiler is Debian's cross gcc (crossbuild-essential-<arch>); its C and
# C++ libraries live in /usr/<triple>. Every other header and library comes
# from the sysroot, Debian's packages for the target unpacked with dpkg-deb,
# and never from the build machine's /usr/include: wolfssl/options.h differs
# per architecture (WOLFSSL_SP_X86_64 / WOLFSSL_SP_ARM64).

if(NOT ROOST_CROSS_TRIPLE OR NOT ROOST_CROSS_SYSROOT)
  message(FATAL_ERROR "cross.cmake needs -DROOST_CROSS_TRIPLE=<gnu triple> and -DROOST_CROSS_SYSROOT=<dir>")
endif()
# try_compile projects read this file again: hand them the same settings.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES ROOST_CROSS_TRIPLE ROOST_CROSS_SYSROOT ROOST_CROSS_FLAGS)

set(CMAKE_SYSTEM_NAME Linux)
string(REGEX MATCH "^[^-]+" CMAKE_SYSTEM_PROCESSOR "${ROOST_CROSS_TRIPLE}")
set(CMAKE_C_COMPILER ${ROOST_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${ROOST_CROSS_TRIPLE}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${ROOST_CROSS_TRIPLE})
# ROOST_CROSS_FLAGS: the CPU beyond the triple's defaults, e.g. for ARMv6
# "-march=armv6+fp -mfpu=vfp -mfloat-abi=softfp -marm" with the armel triple.
if(ROOST_CROSS_FLAGS)
  set(CMAKE_C_FLAGS_INIT "${ROOST_CROSS_FLAGS}")
  set(CMAKE_CXX_FLAGS_INIT "${ROOST_CROSS_FLAGS}")
endif()

# --sysroot: the compiler's and linker's default /usr/include and /usr/lib
# become the sysroot's; its own libc and libstdc++ (/usr/<triple>) stay.
set(CMAKE_SYSROOT ${ROOST_CROSS_SYSROOT})
# find_* look under the sysroot (and the cross libc) and nowhere else;
# programs (pkg-config, ninja) are the build machine's.
set(CMAKE_FIND_ROOT_PATH /usr/${ROOST_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config (wolfssl.pc) reads the sysroot's .pc files only, and prefixes
# the paths in them with the sysroot.
set(ENV{PKG_CONFIG_LIBDIR}
    "${ROOST_CROSS_SYSROOT}/usr/lib/${ROOST_CROSS_TRIPLE}/pkgconfig:${ROOST_CROSS_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${ROOST_CROSS_SYSROOT}")
set(ENV{PKG_CONFIG_PATH} "")
