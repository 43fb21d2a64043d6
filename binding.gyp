{
  "targets": [
    {
      "target_name": "pty",
      "sources": ["drivers/pty/native/pty.c"],
      "libraries": ["-lutil"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "tty_io",
      "sources": ["drivers/tty/native/tty-io.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "framing",
      "sources": ["streams/framing/native/framing.c"],
      "cflags": ["-Wall", "-Wextra", "-O3"]
    }
  ]
}
