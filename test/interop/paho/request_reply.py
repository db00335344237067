"""MQTT 5 request / response between two paho clients through the broker.

usage: request_reply.py PORT TOPIC_PREFIX
The requester subscribes to PREFIX/reply, the responder to PREFIX/request. The requester
sends a request with Response Topic, Correlation Data (binary), user properties (with a
repeated name), Content Type, Payload Format Indicator and Message Expiry Interval; the
responder answers on the Response Topic with the same Correlation Data. Prints what each
side received, as JSON.
"""
import sys

from peer import Peer, emit, publish_properties

port, prefix = int(sys.argv[1]), sys.argv[2]
request_topic, reply_topic = prefix + "/request", prefix + "/reply"
correlation = bytes([0x00, 0x01, 0xFE, 0xFF]) + b"req-7"

responder = Peer(port, "5", "paho-responder-" + prefix.replace("/", "-"))
requester = Peer(port, "5", "paho-requester-" + prefix.replace("/", "-"))
responder.connect()
requester.connect()
responder.subscribe(request_topic, 2)
requester.subscribe(reply_topic, 1)

request = publish_properties({
    "ResponseTopic": reply_topic,
    "CorrelationData": correlation.hex(),
    "UserProperty": [["trace", "a"], ["lang", "py"], ["trace", "b"]],
    "ContentType": "text/plain; charset=utf-8",
    "PayloadFormatIndicator": 1,
    "MessageExpiryInterval": 300,
})
requester.wait_completed([requester.publish(request_topic, "ping", 2, properties=request)])
[got] = responder.wait_messages(1)

props = got["properties"]
reply = publish_properties({
    "CorrelationData": props["CorrelationData"],
    "UserProperty": [["status", "ok"]],
})
responder.wait_completed([responder.publish(props["ResponseTopic"], "pong", 1, properties=reply)])
[answer] = requester.wait_messages(1)
requester.close()
responder.close()
emit({"request": got, "reply": answer, "sent_correlation": correlation.hex()})
