-- POST /echo with a JSON body of about 1 KB
local items = {}
for i = 1, 40 do
  items[#items + 1] = string.format('{"id": %d, "name": "item-%04d"}', i, i)
end
wrk.method = "POST"
wrk.body = '{"items": [' .. table.concat(items, ", ") .. ']}'
wrk.headers["Content-Type"] = "application/json"
