# Echo app for DL-7450 HIL tests and power-cut campaigns (docs/echo-app.md).
# Uses only the SDK's mqtt and json modules, so it runs unchanged on a physical board.
import json

from mqtt import QOS1, QOS2, MqttClient, MqttError

# Edit these for a physical board. A test bench may instead put a line `ECHO_CONFIG = {...}`
# before this one: its keys override these, so the file itself never needs editing.
CONFIG = {
    # Any URL does behind the bridge: it sends every connection to its own --broker.
    "broker": "tcp://broker.bench.local:1883",
    "client_id": "dl7450-echo",
    "prefix": "dl7450/echo",
    # Most unconfirmed publishes a burst lets out. Mosquitto's max_inflight_messages (default 20)
    # also caps the QoS 2 messages it accepts from a client at once, and an MQTT 3.1.1 client is
    # never told of the excess it drops: its on_publish says delivered. 0 = no limit.
    "window": 10,
}
CONFIG.update(globals().get("ECHO_CONFIG", {}))

PREFIX = CONFIG["prefix"]
CLIENT_ID = CONFIG["client_id"]
MAX_CONNECTS_KEPT = 16
IN_FLIGHT_FULL = -4  # MqttError errno: the client holds as many messages as it can

# What the callbacks saw since boot; a report sends it. Per-QoS counts are [qos0, qos1, qos2].
stats = {
    "connects": [],  # rc of the latest on_connect calls, oldest first
    "connect_calls": 0,
    "connected": 0,  # on_connect calls with rc 0
    "subscribes": [],
    "messages": 0,
    "bad_commands": 0,
    "bursts": 0,
    "published": [0, 0, 0],
    "confirmed": [0, 0, 0],
    "failed": [0, 0, 0],
}
outstanding = {}  # mid -> qos of publishes on_publish has not reported yet
bursts = []  # bursts still sending, oldest first
reports_due = []  # report commands waiting for everything before them to be confirmed

client = MqttClient(CONFIG["broker"], CLIENT_ID)


def send(subtopic, message, qos):
    mid = client.publish(PREFIX + "/" + subtopic, message, qos)
    outstanding[mid] = qos
    stats["published"][qos] += 1
    return mid


def send_json(subtopic, value, cmd=None):
    # Echoing the command's id lets a campaign match replies to commands.
    if cmd is not None and "id" in cmd:
        value["id"] = cmd["id"]
    return send(subtopic, json.dumps(value), QOS1)


def on_connect(rc, flags):
    stats["connect_calls"] += 1
    stats["connects"] = (stats["connects"] + [rc])[-MAX_CONNECTS_KEPT:]
    if rc != 0:
        return  # the SDK reconnects by itself and calls again with 0
    stats["connected"] += 1
    # Sessions persist (clean_session 0), so subscribing again after a reconnect is harmless.
    # The broker handles SUBSCRIBE before the readiness message that follows it on the same
    # connection: whoever sees "ready" can send commands at once.
    client.subscribe((PREFIX + "/cmd", QOS2))
    # "connect" 1 means a fresh boot: after a power cut, the campaign sees the board came back.
    send_json("ready", {"ready": True, "client": CLIENT_ID, "connect": stats["connected"]})


def on_subscribe(mid, granted):
    stats["subscribes"].append({"mid": mid, "granted": granted})


def on_publish(mid, rc):
    qos = outstanding.pop(mid, None)
    if qos is None:
        return
    stats["confirmed" if rc == 0 else "failed"][qos] += 1
    pump()
    send_due_reports()


def on_message(topic, message):
    stats["messages"] += 1
    if topic != PREFIX + "/cmd":
        return
    cmd = None
    try:
        cmd = json.loads(str(message, "utf-8"))
        COMMANDS[cmd["op"]](cmd)
    except Exception as e:
        # A bad command is answered, not fatal: a campaign must not lose its board to a typo.
        stats["bad_commands"] += 1
        reply = {"error": "%s: %s" % (type(e).__name__, e)}
        send_json("error", reply, cmd if isinstance(cmd, dict) else None)


def echo(cmd):
    # "hex" carries binary payloads, which JSON strings cannot.
    if "hex" in cmd:
        h = cmd["hex"]
        message = bytes([int(h[i : i + 2], 16) for i in range(0, len(h), 2)])
    else:
        message = cmd.get("payload", "")
    subtopic = "echo/" + cmd["topic"] if "topic" in cmd else "echo"
    send(subtopic, message, cmd.get("qos", QOS1))


def burst(cmd):
    stats["bursts"] += 1
    b = {
        "burst": cmd.get("id", stats["bursts"]),
        "count": cmd["count"],
        "qos": cmd["qos"],
        "size": cmd.get("size", 0),
        "window": cmd.get("window", CONFIG["window"]),
        "seq": 1,
    }
    # Checked here, not at the first publish: a bad burst must not stay queued.
    for key in ("count", "size", "window"):
        if not isinstance(b[key], int) or b[key] < 0:
            raise ValueError("%s must be an int >= 0" % key)
    if b["qos"] not in (0, 1, 2):
        raise ValueError("qos must be 0, 1 or 2")
    bursts.append(b)
    pump()


def burst_message(b):
    # Every message says which burst and which position it is, so a campaign can count what
    # arrived, what was lost and what was duplicated across a power cut.
    head = {"burst": b["burst"], "seq": b["seq"], "count": b["count"], "qos": b["qos"], "pad": ""}
    text = json.dumps(head)
    if len(text) < b["size"]:
        head["pad"] = "x" * (b["size"] - len(text))
        text = json.dumps(head)
    return text


def pump():
    # Sends the bursts' next messages while their window has room; on_publish calls it again as
    # confirmations free the window, so a burst never sleeps inside a callback.
    while bursts:
        b = bursts[0]
        if b["seq"] > b["count"]:
            bursts.pop(0)
            continue
        if b["window"] and len(outstanding) >= b["window"]:
            return
        try:
            send("burst", burst_message(b), b["qos"])
        except MqttError as e:
            if e.errno == IN_FLIGHT_FULL and outstanding:
                return  # the client is full: the next confirmation resumes the burst
            raise
        b["seq"] += 1


def report(cmd):
    reports_due.append(cmd)
    send_due_reports()


def send_due_reports():
    # A report waits until every earlier burst is sent and every earlier publish is confirmed
    # or failed, so its counts are final for all that came before it.
    while reports_due and not bursts and not outstanding:
        cmd = reports_due.pop(0)
        summary = dict(stats)
        summary["client"] = CLIENT_ID
        send_json("report", summary, cmd)


COMMANDS = {"echo": echo, "burst": burst, "report": report}

client.on_message(on_message)
client.on_subscribe(on_subscribe)
client.on_publish(on_publish)
client.connect(on_connect, {"keep_alive": 30})
