"""QoS round trip: one paho subscriber and one paho publisher on the same topic.

usage: roundtrip.py PORT VERSION(311|5) PUB_QOS SUB_QOS COUNT TOPIC
Prints one JSON object: the CONNACKs, the granted QoS, the publisher's completed acks and
the messages the subscriber received, in order.
"""
import sys

from peer import Peer, emit

port, version, pub_qos, sub_qos, count, topic = sys.argv[1:7]
port, pub_qos, sub_qos, count = int(port), int(pub_qos), int(sub_qos), int(count)

sub = Peer(port, version, "paho-rt-sub-%s" % topic.replace("/", "-"))
pub = Peer(port, version, "paho-rt-pub-%s" % topic.replace("/", "-"))
connacks = [sub.connect(), pub.connect()]
granted = sub.subscribe(topic, sub_qos)
mids = [pub.publish(topic, "msg-%d" % i, pub_qos) for i in range(count)]
pub.wait_completed(mids)
messages = sub.wait_messages(count)
pub.close()
sub.close()
emit({"connacks": connacks, "granted": granted, "completed": len(mids), "messages": messages})
