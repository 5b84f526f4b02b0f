# The jq a user might reach for: per-cluster total and healthy GPUs (healthy and not cordoned),
# assigned quota and running in-quota / flex use, from a snapshot directory's files:
#   jq -n --slurpfile nodes DIR/nodes.json --slurpfile quotas DIR/quotas.json \
#         --slurpfile jobs DIR/jobs.json -f bench/capacity.jq
([$quotas[0].items[] | .parent // empty] | map({(.): true}) | add // {}) as $parents
| reduce $nodes[0].items[] as $n ({};
    .[$n.cluster].total += $n.gpus
    | if $n.health == "healthy" and ($n.cordoned | not) then .[$n.cluster].healthy += $n.gpus else . end)
| reduce ($quotas[0].items[] | select(.cluster != null and ($parents[.name] | not))) as $q (.;
    .[$q.cluster].assigned += $q.gpus)
| reduce ($jobs[0].items[] | select(.state == "running")) as $j (.;
    if $j.quota == "flex" then .[$j.cluster].flex_used += $j.gpus else .[$j.cluster].inquota_used += $j.gpus end)
