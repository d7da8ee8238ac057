{
  "targets": [
    {
      "target_name": "loop_socket",
      "sources": ["native/socket.c", "native/poll.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Werror"],
      "cflags!": ["-fno-exceptions"],
      "defines": ["NAPI_VERSION=8"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-std=gnu11", "-Wall", "-Wextra", "-Werror"]
      }
    }
  ]
}
