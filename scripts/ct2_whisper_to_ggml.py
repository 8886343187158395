#!/usr/bin/env python3
"""Convert a Whisper model in CTranslate2 format (model.bin) into the ggml
format whisper.cpp loads, with the standard library only.

Usage: ct2_whisper_to_ggml.py MODEL_BIN MEL_FILTERS_NPZ TIKTOKEN OUT [--list]

The layouts are in ../shared/notes/speech-facts.md: CTranslate2's model.bin
(little-endian: version, spec name, revision, variables, aliases) and the
ggml file of whisper.cpp's convert-pt-to-ggml.py (magic, ten hyper-parameters,
ftype, mel filters, tokens, then tensors named as in OpenAI's checkpoint).
"""
import base64
import io
import struct
import sys
import zipfile

DTYPES = {0: ("f", 4), 1: ("b", 1), 2: ("h", 2), 3: ("i", 4), 4: ("e", 2), 5: (None, 2)}


def read_ct2(path):
    data = open(path, "rb").read()
    pos = 0

    def u32():
        nonlocal pos
        (v,) = struct.unpack_from("<I", data, pos)
        pos += 4
        return v

    def u16():
        nonlocal pos
        (v,) = struct.unpack_from("<H", data, pos)
        pos += 2
        return v

    def u8():
        nonlocal pos
        v = data[pos]
        pos += 1
        return v

    def string():
        nonlocal pos
        n = u16()
        s = data[pos:pos + n - 1].decode()
        pos += n
        return s

    version = u32()
    spec = string()
    revision = u32()
    count = u32()
    variables = {}
    for _ in range(count):
        name = string()
        rank = u8()
        dims = [u32() for _ in range(rank)]
        dtype = u8()
        nbytes = u32()
        variables[name] = (dims, dtype, data[pos:pos + nbytes])
        pos += nbytes
    aliases = {}
    if pos < len(data):
        for _ in range(u32()):
            alias = string()
            target = string()
            aliases[alias] = target
    return {"version": version, "spec": spec, "revision": revision, "variables": variables, "aliases": aliases}


def as_f32(dims, dtype, raw):
    """Values as a list of floats (f32 or f16 input)."""
    fmt, size = DTYPES[dtype]
    if fmt not in ("f", "e"):
        raise SystemExit(f"unsupported dtype {dtype}")
    return list(struct.unpack("<%d%s" % (len(raw) // size, fmt), raw))


def f16_bytes(dims, dtype, raw):
    if dtype == 4:
        return raw
    values = as_f32(dims, dtype, raw)
    return struct.pack("<%de" % len(values), *values)


def f32_bytes(dims, dtype, raw):
    if dtype == 0:
        return raw
    values = as_f32(dims, dtype, raw)
    return struct.pack("<%df" % len(values), *values)


def split_rows(dims, dtype, raw, parts):
    """Split a tensor in `parts` along its first axis."""
    rows = dims[0] // parts
    size = DTYPES[dtype][1]
    row_bytes = size
    for d in dims[1:]:
        row_bytes *= d
    chunk = rows * row_bytes
    return [([rows] + dims[1:], dtype, raw[i * chunk:(i + 1) * chunk]) for i in range(parts)]


def read_npy(blob):
    """The float32 matrix of a .npy file: (shape, raw bytes)."""
    assert blob[:6] == b"\x93NUMPY", "not a .npy file"
    major = blob[6]
    if major == 1:
        (hlen,) = struct.unpack_from("<H", blob, 8)
        start = 10
    else:
        (hlen,) = struct.unpack_from("<I", blob, 8)
        start = 12
    header = blob[start:start + hlen].decode("latin1")
    header_dict = eval(header, {"__builtins__": {}}, {"False": False, "True": True})
    descr = header_dict["descr"]
    shape = header_dict["shape"]
    raw = blob[start + hlen:]
    if descr == "<f4":
        return shape, raw
    if descr == "<f8":
        n = len(raw) // 8
        values = struct.unpack("<%dd" % n, raw)
        return shape, struct.pack("<%df" % n, *values)
    raise SystemExit(f"unexpected mel filter dtype {descr}")


def mapping(var, n_audio_layer, n_text_layer):
    """(ggml name, dims, dtype, raw) for every tensor, from CTranslate2's names."""
    out = []

    def get(name):
        if name not in var:
            raise SystemExit(f"missing variable {name}")
        return var[name]

    def put(name, t):
        out.append((name,) + t)

    def block(p, q, cross):
        """One transformer block: self-attention (query, key, value fused in
        linear_0, the key without bias), cross-attention for the decoder
        (query in linear_0, key and value fused in linear_1), then the MLP."""
        put(f"{q}.attn_ln.weight", get(f"{p}/self_attention/layer_norm/gamma"))
        put(f"{q}.attn_ln.bias", get(f"{p}/self_attention/layer_norm/beta"))
        wq, wk, wv = split_rows(*get(f"{p}/self_attention/linear_0/weight"), 3)
        bq, _bk, bv = split_rows(*get(f"{p}/self_attention/linear_0/bias"), 3)
        put(f"{q}.attn.query.weight", wq)
        put(f"{q}.attn.query.bias", bq)
        put(f"{q}.attn.key.weight", wk)
        put(f"{q}.attn.value.weight", wv)
        put(f"{q}.attn.value.bias", bv)
        put(f"{q}.attn.out.weight", get(f"{p}/self_attention/linear_1/weight"))
        put(f"{q}.attn.out.bias", get(f"{p}/self_attention/linear_1/bias"))
        if cross:
            put(f"{q}.cross_attn_ln.weight", get(f"{p}/attention/layer_norm/gamma"))
            put(f"{q}.cross_attn_ln.bias", get(f"{p}/attention/layer_norm/beta"))
            put(f"{q}.cross_attn.query.weight", get(f"{p}/attention/linear_0/weight"))
            put(f"{q}.cross_attn.query.bias", get(f"{p}/attention/linear_0/bias"))
            ck, cv = split_rows(*get(f"{p}/attention/linear_1/weight"), 2)
            _cbk, cbv = split_rows(*get(f"{p}/attention/linear_1/bias"), 2)
            put(f"{q}.cross_attn.key.weight", ck)
            put(f"{q}.cross_attn.value.weight", cv)
            put(f"{q}.cross_attn.value.bias", cbv)
            put(f"{q}.cross_attn.out.weight", get(f"{p}/attention/linear_2/weight"))
            put(f"{q}.cross_attn.out.bias", get(f"{p}/attention/linear_2/bias"))
        put(f"{q}.mlp_ln.weight", get(f"{p}/ffn/layer_norm/gamma"))
        put(f"{q}.mlp_ln.bias", get(f"{p}/ffn/layer_norm/beta"))
        put(f"{q}.mlp.0.weight", get(f"{p}/ffn/linear_0/weight"))
        put(f"{q}.mlp.0.bias", get(f"{p}/ffn/linear_0/bias"))
        put(f"{q}.mlp.2.weight", get(f"{p}/ffn/linear_1/weight"))
        put(f"{q}.mlp.2.bias", get(f"{p}/ffn/linear_1/bias"))

    put("encoder.conv1.weight", get("encoder/conv1/weight"))
    put("encoder.conv1.bias", get("encoder/conv1/bias"))
    put("encoder.conv2.weight", get("encoder/conv2/weight"))
    put("encoder.conv2.bias", get("encoder/conv2/bias"))
    put("encoder.positional_embedding", get("encoder/position_encodings/encodings"))
    for i in range(n_audio_layer):
        block(f"encoder/layer_{i}", f"encoder.blocks.{i}", cross=False)
    put("encoder.ln_post.weight", get("encoder/layer_norm/gamma"))
    put("encoder.ln_post.bias", get("encoder/layer_norm/beta"))
    put("decoder.positional_embedding", get("decoder/position_encodings/encodings"))
    put("decoder.token_embedding.weight", get("decoder/embeddings/weight"))
    for i in range(n_text_layer):
        block(f"decoder/layer_{i}", f"decoder.blocks.{i}", cross=True)
    put("decoder.ln.weight", get("decoder/layer_norm/gamma"))
    put("decoder.ln.bias", get("decoder/layer_norm/beta"))
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    model = read_ct2(args[0])
    var = model["variables"]
    for alias, target in model["aliases"].items():
        var.setdefault(alias, var[target])
    if "--list" in sys.argv:
        print(model["spec"], model["version"], model["revision"])
        for name, (dims, dtype, raw) in sorted(var.items()):
            print(name, dims, dtype, len(raw))
        for a, t in model["aliases"].items():
            print("alias", a, "->", t)
        return
    mel_npz, tiktoken, out_path = args[1], args[2], args[3]
    def layers(prefix):
        return len({n.split("/")[1] for n in var if n.startswith(prefix + "/layer_") and n.split("/")[1][6:].isdigit()})

    n_audio_layer = layers("encoder")
    n_text_layer = layers("decoder")
    n_vocab, n_text_state = var["decoder/embeddings/weight"][0]
    n_audio_ctx, n_audio_state = var["encoder/position_encodings/encodings"][0]
    n_text_ctx = var["decoder/position_encodings/encodings"][0][0]
    n_mels = var["encoder/conv1/weight"][0][1]
    n_audio_head = n_text_head = n_audio_state // 64
    with zipfile.ZipFile(mel_npz) as z:
        (shape, mel) = read_npy(z.read(f"mel_{n_mels}.npy"))
    tokens = []
    for line in open(tiktoken, "rb").read().splitlines():
        if line.strip():
            token, _rank = line.split()
            tokens.append(base64.b64decode(token))
    tensors = mapping(var, n_audio_layer, n_text_layer)
    expected = 5 + 15 * n_audio_layer + 2 + 2 + 24 * n_text_layer + 2
    if len(tensors) != expected:
        raise SystemExit(f"{len(tensors)} tensors mapped, {expected} expected")
    with open(out_path, "wb") as f:
        f.write(struct.pack("<I", 0x67676D6C))
        for v in (n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer, n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels):
            f.write(struct.pack("<i", v))
        f.write(struct.pack("<i", 1))  # ftype: f16
        f.write(struct.pack("<ii", shape[0], shape[1]))
        f.write(mel)
        f.write(struct.pack("<i", len(tokens)))
        for t in tokens:
            f.write(struct.pack("<i", len(t)))
            f.write(t)
        for name, dims, dtype, raw in tensors:
            if name in ("encoder.conv1.bias", "encoder.conv2.bias"):
                dims = [dims[0], 1]
            # As convert-pt-to-ggml.py: 1-D tensors, the conv biases and the
            # positional embeddings in f32, everything else in f16.
            f32 = len(dims) == 1 or name in ("encoder.conv1.bias", "encoder.conv2.bias", "encoder.positional_embedding", "decoder.positional_embedding")
            data = f32_bytes(dims, dtype, raw) if f32 else f16_bytes(dims, dtype, raw)
            ftype = 0 if f32 else 1
            encoded = name.encode()
            f.write(struct.pack("<iii", len(dims), len(encoded), ftype))
            for d in reversed(dims):
                f.write(struct.pack("<i", d))
            f.write(encoded)
            f.write(data)
    print(f"{out_path}: {len(tensors)} tensors, {n_audio_layer}+{n_text_layer} layers, vocab {n_vocab}, {len(tokens)} tokens")


if __name__ == "__main__":
    main()
