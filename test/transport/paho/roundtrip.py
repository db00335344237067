"""Paho (Debian python3-paho-mqtt 1.6) round trip over a chosen transport.

usage: roundtrip.py TRANSPORT HOST PORT PATH CAFILE CERTFILE KEYFILE TOPIC
  TRANSPORT  tcp | websockets
  PATH       WebSocket path ('-' for tcp)
  CAFILE     '-' for no TLS; CERTFILE / KEYFILE '-' for no client certificate

Subscribes to TOPIC, publishes one QoS 1 message to it, prints the message it got back as
one JSON line and exits 0; exits 1 on a refused or failed connection or after 10 s.
"""
import json
import sys
import threading

import paho.mqtt.client as mqtt

transport, host, port, path, cafile, certfile, keyfile, topic = sys.argv[1:9]
done = threading.Event()
result = {}

client = mqtt.Client(client_id="paho-" + topic.replace("/", "-"), transport=transport)
if transport == "websockets":
    client.ws_set_options(path=path)
if cafile != "-":
    client.tls_set(
        ca_certs=cafile,
        certfile=None if certfile == "-" else certfile,
        keyfile=None if keyfile == "-" else keyfile,
    )


def on_connect(c, userdata, flags, rc):
    if rc != 0:
        result["error"] = "connack %d" % rc
        done.set()
        return
    c.subscribe(topic, qos=1)


def on_subscribe(c, userdata, mid, granted):
    c.publish(topic, "hello from paho over " + transport, qos=1)


def on_message(c, userdata, msg):
    result.update(topic=msg.topic, payload=msg.payload.decode(), qos=msg.qos)
    done.set()


client.on_connect = on_connect
client.on_subscribe = on_subscribe
client.on_message = on_message
try:
    client.connect(host, int(port), keepalive=30)
except Exception as e:  # refused handshake, unreachable
    print(json.dumps({"error": repr(e)}))
    sys.exit(1)
client.loop_start()
ok = done.wait(10)
client.disconnect()
client.loop_stop()
if not ok:
    result["error"] = "timeout"
print(json.dumps(result))
sys.exit(0 if "error" not in result else 1)
