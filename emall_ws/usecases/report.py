"""The Report service's use cases: a page of the caller's purchases or sales, or all of them as a CSV file."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from emall_ws.domain.reports import ReportRequest
from emall_ws.services import report_csv, reports
from emall_ws.services.auth import Credentials
from emall_ws.usecases import UseCases


@dataclass(frozen=True)
class ReportFile:
    file_name: str
    row_count: int
    content: bytes


class ReportUseCases(UseCases):
    def report(self, credentials: Credentials, kind: str, request: ReportRequest) -> reports.Report:
        return self.transaction(lambda session: reports.report(
            session, self.caller(session, credentials, *reports.ROLES[kind]), kind, request, self.platform.regions,
            self.platform.report_policy))

    def export(self, credentials: Credentials, kind: str, request: ReportRequest) -> ReportFile:
        def work(session: Session) -> ReportFile:
            found = reports.export(session, self.caller(session, credentials, *reports.ROLES[kind]), kind, request,
                                   self.platform.regions, self.platform.report_policy)
            # rendered within the transaction: the rows are read from the session as the file is written
            return ReportFile(report_csv.file_name(found), found.total_rows, report_csv.render(found.rows))

        return self.transaction(work)
