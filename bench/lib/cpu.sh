# Sourced by bench/run.sh: how much of the server's core other processes took while a phase was measured.
#
# cpu_snapshot SID prints "<ns> <core0 busy ticks> <core1 busy ticks> <ticks of the processes in session SID>".
# cpu_others S0 S1 prints JSON: the share of core 0 used by processes outside the server's session (percent), and
# the busy share of core 1 (the load generator plus anything else).
# wait_quiet MAX_S waits (at most MAX_S seconds) until both cores are less than 15% busy over one second.

cpu_snapshot() {
    local sid="$1" ticks=0 pid
    for pid in $(pgrep -s "$sid" 2>/dev/null); do
        ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
    done
    printf '%s %s %s\n' "$(date +%s%N)" \
        "$(awk '$1 == "cpu0" || $1 == "cpu1" {printf "%d ", $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat)" "$ticks"
}

cpu_others() {
    python3 - "$1" "$2" "$(getconf CLK_TCK)" <<'PY'
import json, sys
a, b, hz = [float(x) for x in sys.argv[1].split()], [float(x) for x in sys.argv[2].split()], float(sys.argv[3])
seconds = (b[0] - a[0]) / 1e9
core0, core1, server = (b[1] - a[1]) / hz, (b[2] - a[2]) / hz, (b[3] - a[3]) / hz
print(json.dumps({"seconds": round(seconds, 2), "server_cpu_pct": round(100 * server / seconds, 1),
                  "others_core0_pct": round(max(0.0, 100 * (core0 - server) / seconds), 1),
                  "core1_busy_pct": round(100 * core1 / seconds, 1)}))
PY
}

wait_quiet() {
    local max_s="$1" start=$SECONDS busy
    while :; do
        busy="$(awk '$1 == "cpu0" || $1 == "cpu1" {printf "%d %d ", $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat)"
        sleep 1
        busy="$(awk -v before="$busy" 'BEGIN {split(before, p, " ")}
            $1 == "cpu0" {b = $2 + $3 + $4 + $7 + $8 + $9; i = $5 + $6; u0 = (b - p[1]) / ((b - p[1]) + (i - p[2]) + 1e-9)}
            $1 == "cpu1" {b = $2 + $3 + $4 + $7 + $8 + $9; i = $5 + $6; u1 = (b - p[3]) / ((b - p[3]) + (i - p[4]) + 1e-9)}
            END {printf "%d", 100 * (u0 > u1 ? u0 : u1)}' /proc/stat)"
        if ((busy < 15)); then
            return 0
        fi
        if ((SECONDS - start >= max_s)); then
            echo "$busy"
            return 1
        fi
    done
}
