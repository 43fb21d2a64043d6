// Reads and writes a tty fd on the event loop, for Node. Node can only move tty bytes through
// libuv's threadpool (fs.read/fs.write, what serialport does: a threadpool round trip per call)
// or through tty.ReadStream/WriteStream, whose writes block the whole event loop when the fd
// cannot be made non-blocking. Here the fd is non-blocking and watched with uv_poll: a read
// happens the moment the kernel has bytes, a write either lands in the kernel at once or waits
// for POLLOUT, and nothing ever blocks.
#include <node_api.h>
#include <uv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// One pty read returns at most its 4 KiB line-discipline buffer; a UART's flip buffers can
// hold more. Capping the reads per wakeup keeps one busy line from starving other handles.
#define READ_SIZE 65536
#define READS_PER_WAKEUP 16
// A tty's line discipline hands out at most this much per read(2) (N_TTY_BUF_SIZE); a read
// shorter than it emptied the buffer, and another read would only say EAGAIN.
#define TTY_BUFFER 4096
// Reads land one after another in a slab handed out as views, so consecutive reads are
// adjacent in memory: a frame split across two reads is joined by widening its view instead
// of copying it (streams/framing/deframe.ts), and no read costs an allocation of its own. A
// slab is dropped once less than a tty buffer is left; views keep it alive, as Node's own
// Buffer pool does.
#define SLAB_BYTES (128 * 1024)

static void cleanup_hook(void *data);

typedef struct {
  napi_env env;
  uv_poll_t *poll;  // NULL once closed; freed by its own close callback
  int fd;
  int reading;
  int want_writable;
  int in_callback;
  int closed;
  int finalized;
  napi_ref self;  // keeps the JS object alive while the handle can call back
  napi_ref on_data, on_writable, on_error;
  napi_async_context context;
  napi_ref slab;  // the ArrayBuffer reads land in
  char *slab_data;
  size_t slab_used;
} tty_io;

static napi_value make_error(napi_env env, int err, const char *what) {
  napi_value code, message, error;
  char text[256];
  // EOF is not a failed call but the line saying it hung up; "end of file" adds nothing.
  if (err == UV_EOF) snprintf(text, sizeof text, "%s", what);
  else snprintf(text, sizeof text, "%s: %s", what, uv_strerror(err));
  napi_create_string_utf8(env, uv_err_name(err), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  return error;
}

static void free_handle(uv_handle_t *handle) {
  free(handle);
}

static void stop_polling(tty_io *io) {
  if (!io->poll) return;
  // Stopping also drops the fd from epoll, so the owner may close the fd right after.
  uv_poll_stop(io->poll);
  uv_close((uv_handle_t *)io->poll, free_handle);
  io->poll = NULL;
}

// Lets the JS object be collected. Deferred while a callback runs, since napi_make_callback
// is still using the async context.
static void release(tty_io *io) {
  napi_env env = io->env;
  stop_polling(io);
  if (io->in_callback > 0) return;
  if (io->self) {
    napi_remove_env_cleanup_hook(env, cleanup_hook, io);
    napi_delete_reference(env, io->self);
    io->self = NULL;
  }
  if (io->context) {
    napi_async_destroy(env, io->context);
    io->context = NULL;
  }
}

static void free_io(tty_io *io) {
  napi_env env = io->env;
  if (io->on_data) napi_delete_reference(env, io->on_data);
  if (io->on_writable) napi_delete_reference(env, io->on_writable);
  if (io->on_error) napi_delete_reference(env, io->on_error);
  if (io->slab) napi_delete_reference(env, io->slab);
  free(io);
}

// make_callback, not call_function: it runs the microtask queue afterwards, so a promise
// resolved by the callback continues now instead of whenever something else wakes the loop.
static void call_back(tty_io *io, napi_ref ref, size_t argc, napi_value *argv) {
  napi_env env = io->env;
  napi_value fn, recv, result;
  if (!ref || napi_get_reference_value(env, ref, &fn) != napi_ok || !fn) return;
  napi_get_global(env, &recv);  // napi_make_callback needs an object receiver
  io->in_callback++;
  napi_status status = napi_make_callback(env, io->context, recv, fn, argc, argv, &result);
  io->in_callback--;
  if (status == napi_pending_exception) {
    napi_value exception;
    napi_get_and_clear_last_exception(env, &exception);
    napi_fatal_exception(env, exception);
  }
  // A close() from inside the callback was deferred; on_poll finishes it when it is the caller.
  if (io->in_callback == 0 && io->closed) release(io);
}

static void update_poll(tty_io *io);

static void fail(tty_io *io, int err, const char *what) {
  stop_polling(io);
  napi_value error = make_error(io->env, err, what);
  call_back(io, io->on_error, 1, &error);
}

// Makes sure the current slab has room for a whole tty buffer, starting a new one if not.
static int have_room(tty_io *io) {
  if (io->slab && SLAB_BYTES - io->slab_used >= TTY_BUFFER) return 1;
  napi_value slab;
  void *data;
  napi_ref ref;
  if (napi_create_arraybuffer(io->env, SLAB_BYTES, &data, &slab) != napi_ok) return 0;
  if (napi_create_reference(io->env, slab, 1, &ref) != napi_ok) return 0;
  if (io->slab) napi_delete_reference(io->env, io->slab);
  io->slab = ref;
  io->slab_data = data;
  io->slab_used = 0;
  return 1;
}

static void read_some(tty_io *io) {
  for (int i = 0; i < READS_PER_WAKEUP && io->reading && io->poll; i++) {
    if (!have_room(io)) return fail(io, UV_ENOMEM, "read (no memory for the read slab)");
    size_t room = SLAB_BYTES - io->slab_used;
    ssize_t n = read(io->fd, io->slab_data + io->slab_used, room < READ_SIZE ? room : READ_SIZE);
    if (n > 0) {
      napi_value args[3];
      napi_get_reference_value(io->env, io->slab, &args[0]);
      napi_create_uint32(io->env, (uint32_t)io->slab_used, &args[1]);
      napi_create_uint32(io->env, (uint32_t)n, &args[2]);
      // Taken before the callback, which may read nothing more but must never see these bytes
      // handed out again.
      io->slab_used += (size_t)n;
      call_back(io, io->on_data, 3, args);
      // Drained: no read(2) just to learn EAGAIN (one per packet at low rates, a syscall this
      // VM charges ~10 us for). The poll is level-triggered, so bytes landing meanwhile, or a
      // hang-up, wake the loop again.
      if ((size_t)n < TTY_BUFFER) return;
      continue;
    }
    // In raw mode (VMIN=1) a tty reads 0 bytes only once it has hung up.
    if (n == 0) return fail(io, UV_EOF, "the line hung up (read returned 0)");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    return fail(io, uv_translate_sys_error(errno), "read");
  }
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  tty_io *io = handle->data;
  napi_handle_scope scope;
  napi_open_handle_scope(io->env, &scope);
  io->in_callback++;
  if (status < 0) {
    // libuv reports POLLERR as EBADF, which names no real cause: a tty raises POLLERR when it
    // hangs up (pty master gone, USB device unplugged).
    fail(io, UV_EOF, "the line hung up (poll reported an error condition)");
  } else {
    if ((events & UV_WRITABLE) && io->want_writable) {
      io->want_writable = 0;
      update_poll(io);
      call_back(io, io->on_writable, 0, NULL);
    }
    if (io->poll && (events & UV_READABLE) && io->reading) read_some(io);
    // Reading drains what came before a hang-up and then fails on its EOF or EIO; paused,
    // nothing would read them, and a line that hung up stays "ready" and would spin the loop.
    if (io->poll && (events & UV_DISCONNECT)) fail(io, UV_EOF, "the line hung up (poll)");
  }
  io->in_callback--;
  napi_close_handle_scope(io->env, scope);
  if (io->in_callback > 0) return;
  if (io->closed) release(io);
  if (io->finalized) free_io(io);
}

static void update_poll(tty_io *io) {
  if (!io->poll) return;
  int events = UV_DISCONNECT | (io->reading ? UV_READABLE : 0) | (io->want_writable ? UV_WRITABLE : 0);
  int err = uv_poll_start(io->poll, events, on_poll);
  if (err) fail(io, err, "uv_poll_start");
}

static tty_io *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  tty_io *io = NULL;
  napi_get_cb_info(env, info, argc, argv, &self, NULL);
  napi_unwrap(env, self, (void **)&io);
  return io;
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  tty_io *io = data;
  stop_polling(io);
  io->finalized = 1;
  if (io->in_callback == 0) free_io(io);
}

static void cleanup_hook(void *data) {
  stop_polling((tty_io *)data);
}

// new TtyIo(fd, onData(slab, offset, length), onWritable(), onError(error)): starts watching for hang-ups;
// reading starts with setReading(true). The fd stays the caller's to close, after close().
static napi_value construct(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], self;
  int32_t fd;
  napi_get_cb_info(env, info, &argc, argv, &self, NULL);
  if (argc < 4 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "new TtyIo(fd, onData, onWritable, onError): fd must be a non-negative integer");
    return NULL;
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    napi_throw(env, make_error(env, uv_translate_sys_error(errno), "making the fd non-blocking"));
    return NULL;
  }
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  tty_io *io = calloc(1, sizeof *io);
  uv_poll_t *poll = calloc(1, sizeof *poll);
  if (!io || !poll) {
    free(io), free(poll);
    napi_throw_error(env, "ENOMEM", "TtyIo: out of memory");
    return NULL;
  }
  int err = uv_poll_init(loop, poll, fd);
  if (err) {
    free(io), free(poll);
    napi_throw(env, make_error(env, err, "uv_poll_init"));
    return NULL;
  }
  // Started here, where a failure can still throw, rather than reported through onError.
  poll->data = io;
  err = uv_poll_start(poll, UV_DISCONNECT, on_poll);
  if (err) {
    uv_close((uv_handle_t *)poll, free_handle);
    free(io);
    napi_throw(env, make_error(env, err, "uv_poll_start"));
    return NULL;
  }
  io->env = env;
  io->fd = fd;
  io->poll = poll;
  napi_create_reference(env, argv[1], 1, &io->on_data);
  napi_create_reference(env, argv[2], 1, &io->on_writable);
  napi_create_reference(env, argv[3], 1, &io->on_error);
  napi_value name;
  napi_create_string_utf8(env, "TtyIo", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &io->context);
  napi_wrap(env, self, io, finalize, NULL, NULL);
  napi_create_reference(env, self, 1, &io->self);
  napi_add_env_cleanup_hook(env, cleanup_hook, io);
  return self;
}

// setReading(on): while off, the kernel's buffer fills and the far end is held back.
static napi_value set_reading(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bool on = false;
  tty_io *io = unwrap(env, info, &argc, argv);
  if (!io) return NULL;
  napi_get_value_bool(env, argv[0], &on);
  io->reading = on;
  update_poll(io);
  return NULL;
}

// write(buffer, offset) -> bytes the kernel took from buffer[offset..]. Short of the end, the
// kernel's buffer is full: onWritable() follows once there is room. Throws on a failed line.
static napi_value write_some(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], result;
  char *data;
  size_t length;
  uint32_t offset = 0;
  tty_io *io = unwrap(env, info, &argc, argv);
  if (!io) return NULL;
  if (argc < 2 || napi_get_buffer_info(env, argv[0], (void **)&data, &length) != napi_ok ||
      napi_get_value_uint32(env, argv[1], &offset) != napi_ok || offset > length) {
    napi_throw_type_error(env, NULL, "write(buffer, offset): a Buffer and an offset within it");
    return NULL;
  }
  if (!io->poll) {
    napi_throw(env, make_error(env, UV_EBADF, "write (TtyIo is closed)"));
    return NULL;
  }
  size_t done = 0;
  while (offset + done < length) {
    ssize_t n = write(io->fd, data + offset + done, length - offset - done);
    if (n > 0) {
      done += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || errno == EAGAIN || errno == EWOULDBLOCK) break;
    napi_throw(env, make_error(env, uv_translate_sys_error(errno), "write"));
    return NULL;
  }
  if (offset + done < length && !io->want_writable) {
    io->want_writable = 1;
    update_poll(io);
  }
  napi_create_uint32(env, (uint32_t)done, &result);
  return result;
}

// close(): no callback after this; idempotent. The fd is left open for its owner.
static napi_value close_io(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  tty_io *io = unwrap(env, info, &argc, NULL);
  if (!io) return NULL;
  io->closed = 1;
  release(io);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"setReading", NULL, set_reading, NULL, NULL, NULL, napi_default, NULL},
      {"write", NULL, write_some, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_io, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value cls;
  napi_define_class(env, "TtyIo", NAPI_AUTO_LENGTH, construct, NULL, sizeof methods / sizeof methods[0], methods, &cls);
  napi_set_named_property(env, exports, "TtyIo", cls);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
