import ConsentCore
import Foundation
import Testing
@testable import ConsentForms
import TestSupport

/// docs/before-deploying.md says which documents a landlord must write before deploying and which
/// `Forms/organisation.yaml` field points to each (issue 24): every field the loader reads is named there,
/// and so is every shipped purpose that makes one of them necessary.
@Suite struct DeployingDocsTests {
    @Test func theDeployingPageNamesEveryDocumentFieldAndThePurposesThatNeedThem() throws {
        let page = try String(contentsOf: Shipped.root.appendingPathComponent("docs/before-deploying.md"), encoding: .utf8)
        for kind in OrganisationLoader.documentKinds {
            #expect(page.contains("`documents.\(kind)`"), "docs/before-deploying.md does not name documents.\(kind)")
        }
        for name in ["Data protection impact assessment (DPIA)", "Appropriate policy document", "Legitimate interests assessment"] {
            #expect(page.contains(name), "docs/before-deploying.md does not describe \(name)")
        }
        let catalogue = try Content.load(forms: Shipped.forms, localization: Shipped.localization).catalogue
        for purpose in catalogue.purposes where purpose.specialCondition != nil || purpose.legalBasis == .legitimateInterests {
            #expect(page.contains("`\(purpose.id)`"), "docs/before-deploying.md does not say why '\(purpose.id)' needs a document")
        }
        #expect(Set(OrganisationLoader.neededDocuments(catalogue).map(\.kind)) == Set(OrganisationLoader.documentKinds),
                "the shipped purposes call for every document")
    }
}
