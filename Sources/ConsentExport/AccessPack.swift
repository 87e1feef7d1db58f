import ConsentCore
import ConsentForms
import ConsentVault
import Foundation

/// The answer to a tenant's access request (UK GDPR Art. 15) as one printable page, in their language:
/// everything held (special categories only when the request asked and each read was recorded), every
/// purpose with its basis, decision and notice version, every disclosure, and the whole history.
/// `AccessPackPDF` turns it into the PDF the tenant is given.
public enum AccessPack {
    public static func html(_ report: AccessReport, history: [HistoryLines.Line], disclosures: [Disclosure], content: Content, madeAt: Date) -> String {
        func t(_ key: String, _ args: [String: String] = [:]) -> String { content.localizer.text(key, report.language, args) }
        let e = XMLText.escaped
        var out = """
            <!DOCTYPE html>
            <html lang="\(e(report.language))" dir="\(e(report.direction))"><head><meta charset="utf-8"><title>\(e(t("show.title")))</title>
            <style>@page{size:A4;margin:18mm}body{font-family:"Noto Sans","Noto Naskh Arabic","Noto Nastaliq Urdu","DejaVu Sans",sans-serif;font-size:11pt;line-height:1.5}
            h1{font-size:18pt}h2{font-size:14pt;margin-top:1.2em}ul{padding-inline-start:1.2em}.how{color:#444;font-size:9.5pt}</style></head><body>
            <h1>\(e(t("show.title")))</h1>
            <p>\(e(t("show.reference", ["reference": report.reference])))<br>\(e(t("pack.made", ["date": DayText.text(madeAt)])))</p>

            """
        out += "<h2>\(e(t("pack.held-title")))</h2>\n<ul>\n"
        for item in report.items {
            let shown: String = switch item.status {
            case "value": item.value ?? ""
            case "hidden": t("value.hidden")
            default: t("value.\(item.status)")
            }
            out += "<li><b>\(e(item.label))</b>: <bdi>\(e(shown))</bdi>"
            for pending in item.pending { out += "<br>\(e(t("value.pending", ["value": pending])))" }
            if !item.uses.isEmpty {
                out += "<ul>" + item.uses.map { "<li>\(e($0.name)): \(e($0.text))</li>" }.joined() + "</ul>"
            }
            out += "</li>\n"
        }
        out += "</ul>\n<h2>\(e(t("show.purposes-title")))</h2>\n"
        for p in report.purposes {
            out += "<h3>\(e(p.name))</h3>\n<p>\(e(p.description))<br>\(e(t("show.basis", ["basis": p.basis])))<br>"
                + "\(e(t("show.recipients", ["recipients": p.recipients.joined(separator: "; ")])))<br>"
                + "\(e(t("show.retention", ["retention": p.retention])))<br>\(e(p.required))<br>\(e(p.rights))</p>\n"
        }
        out += "<h2>\(e(t("show.disclosures-title")))</h2>\n"
        if disclosures.isEmpty { out += "<p>\(e(t("show.no-disclosures")))</p>\n" }
        else {
            out += "<ul>\n" + disclosures.map { d in
                "<li>\(DayText.text(d.at)): \(e(t("purpose.\(d.purpose).name"))) → \(e(content.localizer.recipientNames(d.recipient, report.language))): "
                    + "\(e(d.attributes.map { t("attribute.\($0).label") }.joined(separator: ", ")))</li>"
            }.joined(separator: "\n") + "\n</ul>\n"
        }
        out += "<h2>\(e(t("pack.history-title")))</h2>\n"
        if report.language != "en" { out += "<p>\(e(t("pack.history-english")))</p>\n" }
        out += "<ul>\n" + history.map { line in
            "<li><bdi>\(e(line.when))</bdi> <span lang=\"en\" dir=\"ltr\">\(e(line.what))</span><br><span class=\"how\" lang=\"en\" dir=\"ltr\">\(e(line.how))</span></li>"
        }.joined(separator: "\n") + "\n</ul>\n"
        out += "<h2>\(e(t("pack.who-title")))</h2>\n<p>" + report.organisation.map(e).joined(separator: "<br>") + "</p>\n</body></html>\n"
        return out
    }
}
