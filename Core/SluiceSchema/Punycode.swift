/// RFC 3492 Punycode, for the A-labels (`xn--…`) of internationalised host names.
enum Punycode {
    private static let base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700, initialBias = 72, initialN = 128

    private static func adapt(_ delta: Int, _ count: Int, _ first: Bool) -> Int {
        var delta = first ? delta / damp : delta / 2
        delta += delta / count
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }

    private static func digit(_ c: UInt8) -> Int? {
        switch c {
        case UInt8(ascii: "a") ... UInt8(ascii: "z"): return Int(c) - 97
        case UInt8(ascii: "A") ... UInt8(ascii: "Z"): return Int(c) - 65
        case UInt8(ascii: "0") ... UInt8(ascii: "9"): return Int(c) - 22
        default: return nil
        }
    }

    private static func character(_ d: Int) -> Character {
        Character(Unicode.Scalar(UInt8(d < 26 ? d + 97 : d + 22)))
    }

    /// The Unicode text of an encoded label (without `xn--`), or nil when malformed.
    static func decode(_ encoded: String) -> String? {
        let u = Array(encoded.utf8)
        var output: [UInt32] = []
        var start = 0
        if let delimiter = u.lastIndex(of: UInt8(ascii: "-")) {
            for c in u[..<delimiter] {
                guard c < 0x80 else { return nil }
                output.append(UInt32(c))
            }
            start = delimiter + 1
        }
        var n = initialN, i = 0, bias = initialBias, p = start
        while p < u.count {
            let oldI = i
            var w = 1, k = base
            while true {
                guard p < u.count, let d = digit(u[p]) else { return nil }
                p += 1
                let (step, overflow) = d.multipliedReportingOverflow(by: w)
                guard !overflow, i <= Int(Int32.max) - step else { return nil }
                i += step
                let t = k <= bias ? tMin : k >= bias + tMax ? tMax : k - bias
                if d < t { break }
                w *= base - t
                k += base
            }
            bias = adapt(i - oldI, output.count + 1, oldI == 0)
            n += i / (output.count + 1)
            i %= output.count + 1
            guard n <= 0x10FFFF, Unicode.Scalar(UInt32(n)) != nil else { return nil }
            output.insert(UInt32(n), at: i)
            i += 1
        }
        var s = ""
        for v in output { s.unicodeScalars.append(Unicode.Scalar(v)!) }
        return s
    }

    /// The encoded form of a label (without `xn--`).
    static func encode(_ label: String) -> String? {
        let input = label.unicodeScalars.map { Int($0.value) }
        var output = String(label.unicodeScalars.filter(\.isASCII).map(Character.init))
        let basic = output.count
        var handled = basic
        if basic > 0 { output.append("-") }
        var n = initialN, delta = 0, bias = initialBias
        while handled < input.count {
            guard let m = input.filter({ $0 >= n }).min() else { return nil }
            delta += (m - n) * (handled + 1)
            n = m
            for c in input {
                if c < n { delta += 1 }
                if c == n {
                    var q = delta, k = base
                    while true {
                        let t = k <= bias ? tMin : k >= bias + tMax ? tMax : k - bias
                        if q < t { break }
                        output.append(character(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(character(q))
                    bias = adapt(delta, handled + 1, handled == basic)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return output
    }
}
