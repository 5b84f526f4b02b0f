# Compile settings shared by every fleetcap target, as one INTERFACE target.
add_library(fleetcap_settings INTERFACE)
target_compile_options(fleetcap_settings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Wnon-virtual-dtor)
if(FLEETCAP_WERROR)
  target_compile_options(fleetcap_settings INTERFACE -Werror)
endif()
if(FLEETCAP_SANITIZE)
  target_compile_options(fleetcap_settings INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(fleetcap_settings INTERFACE -fsanitize=address,undefined)
endif()
