"""Write N unique, correctly signed Refund Trigger notifications, one per
line as "<hex signature>\t<body>", for the ingest benchmark. Unique bodies
matter: resending one body would only measure the dedupe path."""
import hashlib
import hmac
import json
import sys

n, secret, out = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]
with open(out, "w") as f:
    for i in range(n):
        body = json.dumps({"order": {
            "reboundOrderId": "(00)3404341%011d" % i,
            "clientOrderId": "SO%07d" % (i // 2),
            "location": "DE_ASC_01",
            "items": [
                {"reboundItemId": "(00)3404342%011d" % i, "clientItemId": "SO%07d-1" % (i // 2),
                 "ean": "8712345678906", "sku": "TSHIRT-RED-M", "reasonCode": "Too large",
                 "quantity": "1"},
                {"reboundItemId": "(00)3404343%011d" % i, "clientItemId": "Not available",
                 "ean": "Not available", "sku": "JEANS-BLUE-32", "reasonCode": "Not available",
                 "quantity": "2"}]}}, separators=(",", ":"))
        sig = hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
        f.write(sig + "\t" + body + "\n")
