"""Publishes COUNT messages "0".."COUNT-1" with paho and waits for every acknowledgement.

usage: publisher.py PORT VERSION(311|5) TOPIC QOS COUNT
Prints {"completed": COUNT} once every PUBACK / PUBCOMP is in.
"""
import sys

from peer import Peer, emit

port, version, topic, qos, count = sys.argv[1:6]
peer = Peer(int(port), version, "paho-pub-" + topic.replace("/", "-"))
peer.connect()
mids = [peer.publish(topic, str(i), int(qos)) for i in range(int(count))]
peer.wait_completed(mids)
peer.close()
emit({"completed": len(mids)})
