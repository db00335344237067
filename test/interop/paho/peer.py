"""Shared code of the paho interop scripts (Debian python3-paho-mqtt 1.6).

A Peer drives one paho client from the main thread with bounded waits; paho's network
loop runs in its own thread (loop_start). Every failure ends the script with a message
on stderr and exit status 1; results go to stdout as JSON (one object per line).
"""
import json
import sys
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

PROTOCOLS = {"31": mqtt.MQTTv31, "311": mqtt.MQTTv311, "5": mqtt.MQTTv5}


def fail(message):
    sys.stderr.write("paho: %s\n" % message)
    sys.stderr.flush()
    sys.exit(1)


def emit(obj):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


def properties_json(props):
    """A message's v5 properties as JSON-friendly values (correlation data as hex)."""
    if props is None:
        return {}
    out = props.json()
    if "UserProperty" in out:
        out["UserProperty"] = [list(pair) for pair in out["UserProperty"]]
    return out


def publish_properties(spec):
    """PUBLISH properties from a dict such as {"UserProperty": [["k", "v"]], "CorrelationData": "hex"}."""
    props = Properties(PacketTypes.PUBLISH)
    for name, value in spec.items():
        if name == "CorrelationData":
            value = bytes.fromhex(value)
        elif name == "UserProperty":
            value = [tuple(pair) for pair in value]
        setattr(props, name, value)
    return props


class Peer:
    def __init__(self, port, version, client_id):
        self.port = port
        self.v5 = version == "5"
        self.client = mqtt.Client(client_id=client_id, protocol=PROTOCOLS[version])
        self.cond = threading.Condition()
        self.connack = None
        self.disconnected = None
        self.subacks = {}
        self.completed = set()
        self.messages = []
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_publish = self._on_publish
        self.client.on_message = self._on_message

    # ---- callbacks (paho's network thread) -----------------------------------------------

    def _notify(self, update):
        with self.cond:
            update()
            self.cond.notify_all()

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        code = rc.value if hasattr(rc, "value") else rc
        self._notify(lambda: setattr(self, "connack", {"rc": code, "flags": dict(flags)}))

    def _on_disconnect(self, client, userdata, rc, properties=None):
        code = rc.value if hasattr(rc, "value") else rc
        self._notify(lambda: setattr(self, "disconnected", code))

    def _on_subscribe(self, client, userdata, mid, granted, properties=None):
        codes = [g.value if hasattr(g, "value") else g for g in granted]
        self._notify(lambda: self.subacks.__setitem__(mid, codes))

    def _on_publish(self, client, userdata, mid):
        self._notify(lambda: self.completed.add(mid))

    def _on_message(self, client, userdata, msg):
        entry = {
            "topic": msg.topic,
            "payload": msg.payload.decode("utf-8", "replace"),
            "qos": msg.qos,
            "retain": bool(msg.retain),
        }
        if self.v5:
            entry["properties"] = properties_json(getattr(msg, "properties", None))
        self._notify(lambda: self.messages.append(entry))

    # ---- bounded waits (main thread) -----------------------------------------------------

    def wait(self, predicate, what, timeout=10.0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    fail("timed out after %.1f s waiting for %s" % (timeout, what))
                self.cond.wait(left)

    def connect(self, properties=None):
        self.client.connect("127.0.0.1", self.port, keepalive=30, properties=properties)
        self.client.loop_start()
        self.wait(lambda: self.connack is not None, "CONNACK")
        if self.connack["rc"] != 0:
            fail("connection refused: %r" % self.connack)
        return self.connack

    def subscribe(self, topic, qos):
        result, mid = self.client.subscribe(topic, qos)
        if result != mqtt.MQTT_ERR_SUCCESS:
            fail("subscribe failed: %d" % result)
        self.wait(lambda: mid in self.subacks, "SUBACK")
        return self.subacks[mid]

    def publish(self, topic, payload, qos, retain=False, properties=None):
        info = self.client.publish(topic, payload, qos, retain, properties)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            fail("publish failed: %d" % info.rc)
        return info.mid

    def wait_completed(self, mids, what="acknowledgements"):
        self.wait(lambda: all(m in self.completed for m in mids), what)

    def wait_messages(self, count, timeout=10.0):
        self.wait(lambda: len(self.messages) >= count, "%d messages" % count, timeout)
        return self.messages[:count]

    def close(self):
        self.client.disconnect()
        self.wait(lambda: self.disconnected is not None, "disconnect")
        self.client.loop_stop()
