#!/bin/sh
# /etc/popek/hello.sh — run=hello: the smallest workload, for boot-time
# measurements: one line and power off.
read -r up _ </proc/uptime
echo "hello: up $up s"
