{
  "targets": [
    {
      "target_name": "pty",
      "sources": ["drivers/pty/native/pty.c"],
      "libraries": ["-lutil"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
