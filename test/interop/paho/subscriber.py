"""A long-running paho subscriber that reports on stdout as it goes.

usage: subscriber.py PORT VERSION(311|5) CLIENT_ID FILTER QOS MAX_SECONDS
Prints {"ready": granted} after SUBACK, then one {"message": ...} line per message. Ends
cleanly (DISCONNECT, exit 0) on SIGTERM, or with exit 1 after MAX_SECONDS.
"""
import signal
import sys
import threading
import time

from peer import Peer, emit

port, version, client_id, topic_filter, qos, max_seconds = sys.argv[1:7]
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())

peer = Peer(int(port), version, client_id)
peer.connect()
emit({"ready": peer.subscribe(topic_filter, int(qos))})

reported = 0
deadline = time.monotonic() + float(max_seconds)
deadline_hit = False
while not stop.is_set():
    with peer.cond:
        fresh = peer.messages[reported:]
    for message in fresh:
        emit({"message": message})
    reported += len(fresh)
    if stop.wait(0.02):
        break
    if time.monotonic() >= deadline:
        deadline_hit = True
        break
with peer.cond:
    for message in peer.messages[reported:]:
        emit({"message": message})
peer.close()
sys.exit(1 if deadline_hit else 0)
