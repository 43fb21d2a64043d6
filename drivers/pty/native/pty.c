// openpty() for Node: the bridge owns both ends of a pseudo-terminal so that no relay
// process (socat) sits in the data path. Node has no ioctl/openpty of its own.
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <termios.h>
#include <unistd.h>

static napi_value throw_errno(napi_env env, const char *what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static int set_cloexec(int fd) {
  int flags = fcntl(fd, F_GETFD);
  return flags < 0 ? -1 : fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

// Returns { master, slave, path }. Both ends are raw (cfmakeraw): the link carries binary
// frames, and echo or CR/LF translation would corrupt them whatever program opens the slave.
static napi_value open_pty(napi_env env, napi_callback_info info) {
  (void)info;
  int master = -1, slave = -1;
  char name[256];
  if (openpty(&master, &slave, name, NULL, NULL) != 0) return throw_errno(env, "openpty");

  struct termios tio;
  if (tcgetattr(slave, &tio) != 0) goto fail_tc;
  cfmakeraw(&tio);
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;
  if (tcsetattr(slave, TCSANOW, &tio) != 0) goto fail_tc;
  // Children we spawn (socat, helpers) must not keep our pty alive.
  if (set_cloexec(master) != 0 || set_cloexec(slave) != 0) goto fail_tc;

  napi_value result, v;
  napi_create_object(env, &result);
  napi_create_int32(env, master, &v);
  napi_set_named_property(env, result, "master", v);
  napi_create_int32(env, slave, &v);
  napi_set_named_property(env, result, "slave", v);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, result, "path", v);
  return result;

fail_tc:
  {
    int saved = errno;
    close(master);
    close(slave);
    errno = saved;
  }
  return throw_errno(env, "configuring pty");
}

// Discards what is queued in both directions (or only what fd has to read), so a board that attaches late does not read
// bytes written for its predecessor.
static napi_value flush_pty(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  bool input_only = false;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "flush(fd, inputOnly): fd must be an integer");
    return NULL;
  }
  if (argc >= 2) napi_get_value_bool(env, argv[1], &input_only);
  if (tcflush(fd, input_only ? TCIFLUSH : TCIOFLUSH) != 0) return throw_errno(env, "tcflush");
  return NULL;
}

// watchOpens(path) -> fd: an inotify fd (non-blocking) with one event per open and per final
// close of path by any process. Our own slave fd holds the pty up, so it hides the board
// program closing its end from the master; these events are how the bridge still sees it.
static napi_value watch_opens(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  char path[4096];
  size_t length;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &length) != napi_ok || length == 0 || length >= sizeof path - 1) {
    napi_throw_type_error(env, NULL, "watchOpens(path): path must be a non-empty string");
    return NULL;
  }
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return throw_errno(env, "inotify_init1");
  if (inotify_add_watch(fd, path, IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return throw_errno(env, "inotify_add_watch");
  }
  napi_create_int32(env, fd, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "open", NAPI_AUTO_LENGTH, open_pty, NULL, &fn);
  napi_set_named_property(env, exports, "open", fn);
  napi_create_function(env, "flush", NAPI_AUTO_LENGTH, flush_pty, NULL, &fn);
  napi_set_named_property(env, exports, "flush", fn);
  napi_create_function(env, "watchOpens", NAPI_AUTO_LENGTH, watch_opens, NULL, &fn);
  napi_set_named_property(env, exports, "watchOpens", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
