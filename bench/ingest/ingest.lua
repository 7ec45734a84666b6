-- wrk script: POST each pre-signed notification of the pool once. Thread k
-- of T sends lines k, k+T, k+2T, ... so no two requests share a body (the
-- pool is sized larger than any run sends).
local pool_file = os.getenv("POOL") or "pool.tsv"
local path = os.getenv("TARGET_PATH") or "/rebound/refund-trigger"
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  nthreads = counter
  sigs, bodies = {}, {}
  for line in io.lines(pool_file) do
    local tab = line:find("\t", 1, true)
    sigs[#sigs + 1] = line:sub(1, tab - 1)
    bodies[#bodies + 1] = line:sub(tab + 1)
  end
  idx = id + 1
  step = tonumber(os.getenv("THREADS") or "1")
end

function request()
  local i = idx
  idx = idx + step
  if i > #bodies then i = ((i - 1) % #bodies) + 1 end
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["X-Rebound-Signature"] = sigs[i],
  }, bodies[i])
end
