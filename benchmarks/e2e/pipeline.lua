-- 16 GET / requests in one write on each connection (HTTP/1.1 pipelining)
local depth = 16
init = function(args)
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format(nil, "/")
  end
  req = table.concat(r)
end
request = function()
  return req
end
