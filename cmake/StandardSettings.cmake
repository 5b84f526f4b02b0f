# Compile settings shared by every fleetcap target, as one INTERFACE target.
add_library(fleetcap_settings INTERFACE)
target_compile_options(fleetcap_settings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Wnon-virtual-dtor)
if(FLEETCAP_WERROR)
  target_compile_options(fleetcap_settings INTERFACE -Werror)
endif()
if(FLEETCAP_TSAN)
  if(FLEETCAP_SANITIZE)
    message(FATAL_ERROR "FLEETCAP_TSAN and FLEETCAP_SANITIZE cannot be combined")
  endif()
  target_compile_options(fleetcap_settings INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(fleetcap_settings INTERFACE -fsanitize=thread)
endif()
if(FLEETCAP_SANITIZE)
  target_compile_options(fleetcap_settings INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(fleetcap_settings INTERFACE -fsanitize=address,undefined)
endif()
if(FLEETCAP_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "FLEETCAP_FUZZ needs clang: -DCMAKE_CXX_COMPILER=clang++ (scripts/fuzz does this)")
  endif()
  # Coverage instrumentation for everything; libFuzzer's main is linked into the target only.
  target_compile_options(fleetcap_settings INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(fleetcap_settings INTERFACE -fsanitize=address,undefined)
endif()
