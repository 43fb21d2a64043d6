#!/usr/bin/env python3
"""Reference encoder for link protocol v1, written from docs/link-protocol.md alone.

It is deliberately independent of the TypeScript implementation (plain loops, no shared
code) and emits docs/link-protocol-vectors.json, which the TypeScript tests replay. Firmware
engineers can port these few functions directly.

    python3 docs/vectors/generate_vectors.py > docs/link-protocol-vectors.json
"""
import json
import struct
import sys

VERSION = 1
CTRL, MQTT, LOG, TIME, ACK = 0, 1, 2, 3, 4
FIRST, LAST = 0b10, 0b01
WHOLE = FIRST | LAST


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def cobs_encode(data: bytes) -> bytes:
    out = bytearray([0])
    code_at, code = 0, 1
    for i, b in enumerate(data):
        if b == 0:
            out[code_at] = code
            code_at, code = len(out), 1
            out.append(0)
            continue
        out.append(b)
        code += 1
        if code == 0xFF:
            out[code_at] = code
            code_at, code = len(out), 1
            if i + 1 < len(data):
                out.append(0)
            else:
                return bytes(out)  # a full block at the very end needs no further code byte
    out[code_at] = code
    return bytes(out)


def frame_body(channel, flags, seq, ack, credit, payload: bytes) -> bytes:
    header = bytes([(VERSION << 5) | (channel << 2) | flags, seq, ack, credit])
    body = header + payload
    return body + struct.pack('<I', crc32c(body))


def wire(channel, flags, seq, ack, credit, payload: bytes) -> bytes:
    return b'\x00' + cobs_encode(frame_body(channel, flags, seq, ack, credit, payload)) + b'\x00'


def hello(role, synced, epoch, nonce, echo, mtu, window, ident, fw) -> bytes:
    i, f = ident.encode(), fw.encode()
    return (bytes([0x01, VERSION, role, 1 if synced else 0]) + struct.pack('<IIIHB', epoch, nonce, echo, mtu, window)
            + bytes([len(i)]) + i + bytes([len(f)]) + f)


def str16(s: str) -> bytes:
    b = s.encode()
    return struct.pack('<H', len(b)) + b


def frame_vector(name, channel, flags, seq, ack, credit, payload, note=''):
    return {
        'name': name,
        'note': note,
        'channel': channel,
        'flags': flags,
        'seq': seq,
        'ack': ack,
        'credit': credit,
        'payload': payload.hex(),
        'wire': wire(channel, flags, seq, ack, credit, payload).hex(),
    }


def mqtt_connect() -> bytes:
    """MQTT 3.1.1 CONNECT: client id dl7450-01, keep-alive 60 s, clean session 0,
    will dev/dl7450-01/status = offline at QoS 1."""
    var = b'\x00\x04MQTT' + bytes([4, 0b00001100]) + struct.pack('>H', 60)
    def s(x):
        return struct.pack('>H', len(x)) + x
    payload = s(b'dl7450-01') + s(b'dev/dl7450-01/status') + s(b'offline')
    rest = var + payload
    return bytes([0x10, len(rest)]) + rest


def mqtt_publish(topic: bytes, body: bytes, qos: int, mid: int) -> bytes:
    var = struct.pack('>H', len(topic)) + topic + (struct.pack('>H', mid) if qos else b'')
    rest = var + body
    n, length = len(rest), bytearray()
    while True:
        b, n = n % 128, n // 128
        length.append(b | (0x80 if n else 0))
        if not n:
            break
    return bytes([0x30 | (qos << 1)]) + bytes(length) + rest


def fragments(conn_id, packet, mtu):
    room = mtu - 1
    out = []
    for pos in range(0, len(packet), room):
        chunk = packet[pos:pos + room]
        flags = (FIRST if pos == 0 else 0) | (LAST if pos + room >= len(packet) else 0)
        out.append({'flags': flags, 'payload': (bytes([conn_id]) + chunk).hex()})
    return out


def main():
    cobs = [
        ('', '01'), ('00', '0101'), ('0000', '010101'), ('001100', '01021101'),
        ('11220033', '0311220233'), ('11223344', '0511223344'), ('11000000', '0211010101'),
        (bytes(range(1, 255)).hex(), 'ff' + bytes(range(1, 255)).hex()),
        (bytes(range(0, 255)).hex(), '01ff' + bytes(range(1, 255)).hex()),
        (bytes(range(1, 256)).hex(), 'ff' + bytes(range(1, 255)).hex() + '02ff'),
        ((bytes(range(2, 256)) + b'\x00').hex(), 'ff' + bytes(range(2, 256)).hex() + '0101'),
        ((bytes(range(3, 256)) + b'\x00\x01').hex(), 'fe' + bytes(range(3, 256)).hex() + '0201'),
    ]
    for raw, enc in cobs:
        assert cobs_encode(bytes.fromhex(raw)).hex() == enc, (raw, cobs_encode(bytes.fromhex(raw)).hex(), enc)

    h = hello(0, False, 0x1A2B3C4D, 0x01020304, 0, 256, 4, 'dl7450-0042', '1.4.2')
    connect = mqtt_connect()
    frames = [
        frame_vector('hello-from-board', CTRL, WHOLE, 0, 0, 4, h,
                     'Board HELLO: a reset request (echo 0), MTU 256, window 4, epoch 0x1a2b3c4d.'),
        frame_vector('open', CTRL, WHOLE, 0, 0, 4, bytes([0x02, 1]) + str16('ssl://my.broker:8883'),
                     'OPEN connection 1; first sequenced frame of the session.'),
        frame_vector('tls-item', CTRL, WHOLE, 0, 0, 4,
                     bytes([0x09, 1, 1, 0]) + struct.pack('<H', 28) + b'-----BEGIN CERTIFICATE-----\n',
                     'TLS_ITEM for connection 1: a trust_store of one piece (flags 0 = last piece), '
                     'sent before its OPEN (here it would take seq 0 and the OPEN seq 1).'),
        frame_vector('opened', CTRL, WHOLE, 0, 1, 8, bytes([0x03, 1])),
        frame_vector('open-failed', CTRL, WHOLE, 1, 1, 8, bytes([0x04, 2, 2]) + str16('connection refused')),
        frame_vector('closed', CTRL, WHOLE, 2, 3, 8, bytes([0x06, 1, 1]) + str16('broker closed the connection')),
        frame_vector('close', CTRL, WHOLE, 5, 3, 4, bytes([0x05, 1])),
        frame_vector('ping', CTRL, WHOLE, 7, 9, 4, bytes([0x07]) + struct.pack('<I', 1)),
        frame_vector('pong', CTRL, WHOLE, 9, 8, 8, bytes([0x08]) + struct.pack('<I', 1)),
        frame_vector('mqtt-connect', MQTT, WHOLE, 1, 0, 4, bytes([1]) + connect,
                     'A whole MQTT CONNECT on connection 1.'),
        frame_vector('ack', ACK, WHOLE, 2, 2, 3, b'', 'Pure acknowledgement: next expected 2, credit 3.'),
        frame_vector('poll', ACK, WHOLE, 4, 7, 0, bytes([0x01]), 'Zero-credit probe.'),
        frame_vector('gap', ACK, WHOLE, 4, 7, 4, bytes([0x02]), 'Receiver saw seq 8 while expecting 7.'),
        frame_vector('log', LOG, WHOLE, 3, 0, 4, b'app: started\n'),
        frame_vector('time-request', TIME, WHOLE, 3, 0, 4, bytes([0x01]) + struct.pack('<IQ', 7, 1_000_000_123)),
        frame_vector('seq-wrap', MQTT, WHOLE, 255, 254, 4, bytes([2, 0xC0, 0x00]),
                     'PINGREQ on connection 2 with seq 255; the next frame carries seq 0.'),
        frame_vector('zero-heavy', MQTT, WHOLE, 0, 0, 1, bytes([1]) + mqtt_publish(b'z', bytes(300), 0, 0),
                     'A PUBLISH of 300 zero bytes: COBS worst case for short blocks.'),
        frame_vector('long-block', MQTT, WHOLE, 1, 0, 1, bytes([1]) + mqtt_publish(b'x', b'\xAA' * 600, 1, 77),
                     'A PUBLISH of 600 non-zero bytes: several full 254-byte COBS blocks.'),
    ]

    big = mqtt_publish(b'fw/chunk', bytes((i * 7 + 1) % 256 for i in range(100)), 1, 42)
    fragment_vectors = [{'name': 'publish-across-mtu-32', 'connId': 3, 'mtu': 32, 'packet': big.hex(),
                         'fragments': fragments(3, big, 32)}]

    by = {f['name']: bytes.fromhex(f['wire']) for f in frames}
    o = by['open']
    retransmit_open = wire(CTRL, WHOLE, 0, 1, 4, bytes([0x02, 1]) + str16('ssl://my.broker:8883'))
    corrupted = bytearray(by['opened'])
    corrupted[5] ^= 0x10
    streams = [
        {'name': 'back-to-back', 'wire': (by['hello-from-board'] + by['open'] + by['log']).hex(),
         'expect': [{'frame': 'hello-from-board'}, {'frame': 'open'}, {'frame': 'log'}]},
        {'name': 'boot-text-before-frame',
         'wire': (b'ROM v2.1 boot\r\nloading app...\r\n' + by['hello-from-board']).hex(),
         'expect': [{'console': 'ROM v2.1 boot'}, {'console': 'loading app...'}, {'frame': 'hello-from-board'}]},
        {'name': 'power-cut-mid-frame', 'note': 'A frame cut after 9 bytes, then the board reboots and sends HELLO.',
         'wire': (o[:9] + by['hello-from-board']).hex(),
         'expect': [{'dropped': 'truncated'}, {'frame': 'hello-from-board'}]},
        {'name': 'crc-error', 'note': 'One bit flipped inside OPENED; the following frame survives.',
         'wire': (bytes(corrupted) + by['ack']).hex(),
         'expect': [{'dropped': 'crc'}, {'frame': 'ack'}]},
        {'name': 'binary-noise-between-frames', 'wire': (by['ping'] + bytes([0x9F, 0x01, 0xFE, 0x02]) + by['pong']).hex(),
         'expect': [{'frame': 'ping'}, {'dropped': 'truncated'}, {'frame': 'pong'}]},
        {'name': 'retransmitted', 'note': 'OPEN sent twice: the second copy carries a newer ack. The '
         'deframer yields both; the receiver accepts seq 0 once and answers the duplicate with an ACK.',
         'wire': (o + retransmit_open).hex(),
         'expect': [{'frame': 'open'}, {'frameHex': retransmit_open.hex()}],
         'receiverAccepts': [True, False]},
        {'name': 'unterminated-tail', 'note': 'The stream ends inside a frame.',
         'wire': by['ack'][:-3].hex(), 'expect': [{'dropped': 'truncated'}]},
    ]

    doc = {
        'about': 'Link protocol v1 test vectors (docs/link-protocol.md), generated by '
                 'docs/vectors/generate_vectors.py. Hex strings; "wire" includes both 0x00 delimiters.',
        'crc32c': [
            {'input': b'123456789'.hex(), 'crc': '%08x' % crc32c(b'123456789')},
            {'input': '', 'crc': '%08x' % crc32c(b'')},
            {'input': bytes(32).hex(), 'crc': '%08x' % crc32c(bytes(32))},
            {'input': bytes([0xFF] * 32).hex(), 'crc': '%08x' % crc32c(bytes([0xFF] * 32))},
        ],
        'cobs': [{'raw': r, 'encoded': e} for r, e in cobs],
        'frames': frames,
        'fragments': fragment_vectors,
        'streams': streams,
    }
    assert doc['crc32c'][0]['crc'] == 'e3069283'
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
