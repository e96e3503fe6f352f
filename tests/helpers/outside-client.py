#!/usr/bin/env python3
"""An application outside Meridian, in Python with the standard library alone: it calls the
platform's apps through its own Dapr sidecar (started by `npm run sidecar`), plain HTTP.

  DAPR_HTTP_ENDPOINT=http://127.0.0.1:3600 DAPR_API_TOKEN=... outside-client.py predict sensor-anomaly
  DAPR_HTTP_ENDPOINT=... [DAPR_API_TOKEN=...] outside-client.py call METHOD APP PATH [JSON-BODY]

Prints one JSON line: what it did, the status its sidecar answered, and the answer.
Without DAPR_API_TOKEN it sends no token.
"""

import json
import math
import os
import sys
import urllib.error
import urllib.request

SIDECAR = os.environ["DAPR_HTTP_ENDPOINT"].rstrip("/")
TOKEN = os.environ.get("DAPR_API_TOKEN")
# One reading of a mote; an input the model has and this list lacks gets 0.
READING = {"temperature": 27.0, "humidity": 45.0}


def invoke(method, app, path, body=None):
    """Service invocation through the sidecar: (status, parsed JSON or text)."""
    url = f"{SIDECAR}/v1.0/invoke/{app}/method/{path.lstrip('/')}"
    headers = {"content-type": "application/json"}
    if TOKEN:
        headers["dapr-api-token"] = TOKEN
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        status, text = err.code, err.read().decode()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def tensor(meta):
    """An input tensor for the model's metadata: variable dimensions (-1) become 1."""
    shape = [1 if d < 0 else d for d in meta["shape"]]
    value = READING.get(meta["name"], 0.0)
    return {"name": meta["name"], "datatype": meta["datatype"], "shape": shape, "data": [value] * math.prod(shape)}


def predict(model):
    status, metadata = invoke("GET", "inference", f"/v2/models/{model}")
    if status != 200:
        return {"step": "metadata", "status": status, "body": metadata}
    request = {"inputs": [tensor(i) for i in metadata["inputs"]]}
    status, answer = invoke("POST", "inference", f"/v2/models/{model}/infer", request)
    result = {"step": "infer", "status": status, "inputs": [i["name"] for i in request["inputs"]]}
    if status == 200:
        result.update(model_version=answer.get("model_version"), outputs=answer["outputs"])
    else:
        result["body"] = answer
    return result


def main(argv):
    if len(argv) == 2 and argv[0] == "predict":
        result = predict(argv[1])
    elif len(argv) in (4, 5) and argv[0] == "call":
        body = json.loads(argv[4]) if len(argv) == 5 else None
        status, answer = invoke(argv[1], argv[2], argv[3], body)
        result = {"step": "call", "status": status, "body": answer}
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
