import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ZIPFoundation

/// Reads the text of a Word document (`word/document.xml`): each paragraph a line, table cells separated by
/// tabs and rows by line breaks, so a letter reads like one and a table like delimited rows.
enum DOCXReader {
    static func text(_ data: Data, name: String, budget: ExpansionBudget) throws(ScanError) -> [UInt8] {
        let (archive, entries) = try XLSXReader.openPackage(data, name: name, format: "DOCX", kind: "Word document", budget: budget)
        guard let document = entries.first(where: { $0.path == "word/document.xml" }) else {
            throw .corrupt(format: "DOCX", reason: "\(name) has no word/document.xml, so it is not a Word document")
        }
        let xml = try XLSXReader.extract(document, archive, name, budget, format: "DOCX")
        let reader = DocumentParser()
        let parser = XMLParser(data: xml)
        parser.shouldResolveExternalEntities = false
        parser.delegate = reader
        guard parser.parse(), reader.depth == 0, reader.sawElement else {
            throw .corrupt(format: "DOCX", reason: "word/document.xml in \(name) is not well-formed XML (damaged or cut short)")
        }
        return Array(reader.text.utf8)
    }
}

final class DocumentParser: NSObject, XMLParserDelegate {
    var text = ""
    var depth = 0
    var sawElement = false
    private var collecting = false

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        depth += 1
        sawElement = true
        switch element {
        case "w:t": collecting = true
        case "w:tab": text += "\t"
        case "w:br", "w:cr": text += "\n"
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if collecting { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        depth -= 1
        switch element {
        case "w:t": collecting = false
        case "w:tc": text += "\t"
        case "w:p", "w:tr": text += "\n"
        default: break
        }
    }
}
