#!/usr/bin/python3
"""librdkafka (confluent-kafka, the Debian package python3-confluent-kafka) in the client benchmark.

Spawned by bench/clients.ts with a Node IPC channel: the task arrives as one JSON line on the fd
named by NODE_CHANNEL_FD, and measure-start / measure-end / result (or error) go back the same way,
exactly as bench/clients-node.ts reports over process.send(). Standalone:
`/usr/bin/python3 bench/clients-librdkafka.py '<task JSON>'` prints the result as JSON.
"""
import json
import os
import resource
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition, OFFSET_BEGINNING, libversion, version

MIB = 1024 * 1024


def monotonic_us():
    # CLOCK_MONOTONIC, the clock V8 stamps .cpuprofile samples with (bench/common.ts monotonicUs).
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000


def cpu_ms():
    usage = resource.getrusage(resource.RUSAGE_SELF)  # all threads, librdkafka's included
    return (usage.ru_utime + usage.ru_stime) * 1000


class Channel:
    """Newline-delimited JSON over the Node IPC fd, or stdout when run by hand."""

    def __init__(self):
        fd = os.environ.get('NODE_CHANNEL_FD')
        self.file = os.fdopen(int(fd), 'r+b', buffering=0) if fd else None

    def read_task(self):
        if self.file is None:
            return json.loads(sys.argv[1])
        line = b''
        while not line.endswith(b'\n'):
            chunk = self.file.read(1)
            if not chunk:
                raise RuntimeError('the orchestrator closed the channel before sending a task')
            line += chunk
        return json.loads(line)

    def send(self, message):
        if self.file is None:
            if message['type'] == 'result':
                print(json.dumps(message['result']))
            elif message['type'] == 'error':
                print(message['message'], file=sys.stderr)
            return
        self.file.write((json.dumps(message) + '\n').encode())


class Meter:
    """Counts records, opens the measured window after the warm-up, closes it at the last record."""

    def __init__(self, task, channel):
        self.task = task
        self.channel = channel
        self.count = 0
        self.measuring = False
        self.measured_from = 0
        self.first = self.start = self.end = 0.0
        self.cpu_start = self.cpu = 0.0

    def begin(self):
        self.first = time.perf_counter()
        if self.task['warmupRecords'] == 0:
            self.open()

    def open(self):
        self.measuring = True
        self.measured_from = self.count
        self.start = time.perf_counter()
        self.cpu_start = cpu_ms()
        self.channel.send({'type': 'measure-start', 'atUs': monotonic_us()})

    def add(self, n):
        if self.count >= self.task['records']:
            return True
        self.count += n
        if not self.measuring and self.count >= self.task['warmupRecords']:
            self.open()
        if self.count >= self.task['records']:
            self.end = time.perf_counter()
            self.cpu = cpu_ms() - self.cpu_start
            self.channel.send({'type': 'measure-end', 'atUs': monotonic_us()})
            return True
        return False

    def result(self, value_bytes, last_offset):
        measured = min(self.count, self.task['records']) - self.measured_from
        measured_ms = (self.end - self.start) * 1000
        per_sec = measured / (measured_ms / 1000)
        return {
            'kind': self.task['kind'],
            'target': 'samsa',
            'client': 'librdkafka',
            'version': 'librdkafka %s (confluent-kafka %s)' % (libversion()[0], version()[0]),
            'measuredRecords': measured,
            'measuredMs': measured_ms,
            'recordsPerSec': per_sec,
            'mibPerSec': per_sec * self.task['recordBytes'] / MIB,
            'totalRecords': self.count,
            'totalMs': (self.end - self.first) * 1000,
            'generatorCpuPercent': self.cpu / measured_ms * 100,
            'valueBytes': value_bytes,
            'lastOffset': last_offset,
        }


def produce(task, meter, deadline):
    producer = Producer({
        'bootstrap.servers': '%s:%d' % (task['host'], task['port']),
        'acks': 1,
        'enable.idempotence': False,
        'compression.type': 'none',
        'batch.size': task['batchBytes'],
        'linger.ms': task['lingerMs'],
        'max.in.flight.requests.per.connection': task['maxInFlight'],
        'queue.buffering.max.messages': max(task['windowRecords'], 100000),
        'queue.buffering.max.kbytes': 1024 * 1024,
    })
    producer.list_topics(task['topic'], timeout=10)  # connect and fetch metadata outside the clock
    value = b'x' * task['recordBytes']
    failures = []

    def delivered(err, _msg):
        if err is not None:
            failures.append(err)
        meter.add(1)

    topic = task['topic']
    records = task['records']
    window = task['windowRecords']
    sent = 0
    meter.begin()
    while sent < records:
        if sent - meter.count >= window:
            producer.poll(0.001)
        else:
            try:
                producer.produce(topic, value, callback=delivered)
                sent += 1
            except BufferError:
                producer.poll(0.001)
            if sent % 1000 == 0:
                producer.poll(0)
        if failures:
            raise KafkaException(failures[0])
        if time.monotonic() > deadline:
            raise TimeoutError('librdkafka produce of %d records did not finish in time (%d acknowledged)' % (records, meter.count))
    while meter.count < records:
        producer.poll(0.01)
        if failures:
            raise KafkaException(failures[0])
        if time.monotonic() > deadline:
            raise TimeoutError('librdkafka produce of %d records did not finish in time (%d acknowledged)' % (records, meter.count))
    producer.flush(10)
    return meter.result(0, -1)


def consume(task, meter, deadline):
    consumer = Consumer({
        'bootstrap.servers': '%s:%d' % (task['host'], task['port']),
        'group.id': task['groupId'],  # required by the API; assign() does not join the group
        'enable.auto.commit': False,
        'max.partition.fetch.bytes': 1024 * 1024,
        'fetch.wait.max.ms': 500,
    })
    consumer.list_topics(task['topic'], timeout=10)
    consumer.assign([TopicPartition(task['topic'], 0, OFFSET_BEGINNING)])
    records = task['records']
    value_bytes = 0
    last_offset = -1
    meter.begin()
    while meter.count < records:
        batch = consumer.consume(num_messages=10000, timeout=1.0)
        take = min(len(batch), records - meter.count)
        for i in range(take):
            m = batch[i]
            if m.error() is not None:
                raise KafkaException(m.error())
            value_bytes += len(m.value())
            last_offset = m.offset()
        meter.add(take)
        if time.monotonic() > deadline:
            raise TimeoutError('librdkafka consume of %d records did not finish in time (%d received)' % (records, meter.count))
    consumer.close()
    return meter.result(value_bytes, last_offset)


def main():
    channel = Channel()
    task = json.loads(json.dumps(channel.read_task()))
    deadline = time.monotonic() + task['timeLimitMs'] / 1000
    meter = Meter(task, channel)
    try:
        run = produce if task['kind'] == 'client-produce' else consume
        channel.send({'type': 'result', 'result': run(task, meter, deadline)})
    except Exception as error:  # reported to the orchestrator, which fails the run with it
        channel.send({'type': 'error', 'message': 'librdkafka: %r' % (error,)})
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
