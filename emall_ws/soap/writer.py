"""Each operation's answer written straight to bytes: the bytes spyne would write, byte for byte.

spyne builds an answer as an lxml tree, several Python calls per element (spyne/protocol/xml.py:
`to_parent`, `complex_to_parent`, `modelbase_to_parent` ...), then serializes the tree: ~1 ms for 20
categories and several for a page of 20 products, where a whole bare spyne echo costs 0.29 ms. The
shape of an answer is fixed by its operation's output message, so a writer is compiled once per
operation from the model classes spyne walks, and joins the same elements as strings (~30x faster).
`AnswerWriter` puts it in spyne's place for every operation of a PlatformApplication.

What it would not write exactly as spyne does stays spyne's. An operation whose answer uses a model
feature not compiled here is refused (`Refused` says which); an answer holding a value the writer does
not format as spyne would (a character lxml refuses, a value of another type than the model's) is
declined, and spyne serializes it, errors included, as before.
"""
from __future__ import annotations

import codecs
import logging
import re
from inspect import isgenerator
from typing import Any, Callable, NamedTuple

from lxml import etree
from spyne.descriptor import BODY_STYLE_WRAPPED
from spyne.model.complex import Array
from spyne.protocol._outbase import OutProtocolBase
from spyne.protocol.soap import Soap11
from spyne.protocol.xml import NIL_ATTR, XmlDocument

log = logging.getLogger(__name__)

Out = list[str]  # the answer's fragments; out[0] is the envelope's head (see `_Envelope`)
Write = Callable[[Any, Out], None]  # writes one value's element(s)
WriteNone = Callable[[Out], None]  # writes what stands for None
Member = tuple[str, Write, "WriteNone | None"]  # attribute, its value's writer, for None (None: left out)
Answer = Callable[[Any], bytes | None]  # ctx.out_object -> the answer, or None when declined

# The functions of spyne's Soap11 (and of the XmlDocument and protocol bases it inherits them from)
# whose output the writer reproduces: a protocol that changes one of them writes something else.
_MIRRORED = ("serialize", "create_out_string", "to_parent", "complex_to_parent", "gen_members_parent",
             "_get_members_etree", "modelbase_to_parent", "byte_array_to_parent", "null_to_parent", "_gen_tag",
             "get_polymorphic_target", "get_cls_attrs", "to_unicode")
# spyne's events about the document tree, which the writer never builds: a listener wants spyne's way
_DOCUMENT_EVENTS = ("before_serialize", "after_serialize")
_ANSWER_DOCUMENT_EVENT = "method_return_document"

# lxml refuses text outside XML 1.0's characters: C0 controls but tab, LF and CR; U+FFFE, U+FFFF;
# surrogates (which do not encode to UTF-8)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# any character lxml does not write as itself in text: those and & < > CR (CR as &#13;, which a
# parser keeps where it would normalise a raw one); everything else goes out raw, in UTF-8
_NOT_PLAIN = re.compile("[^\t\n\x20-%'-;=?-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Refused(Exception):
    """The operation's answers stay spyne's: the writer does not reproduce what the message says."""


class _Decline(Exception):
    """This answer stays spyne's."""


def _text(value: str) -> str:
    """value as lxml writes it as an element's text."""
    if _NOT_PLAIN.search(value) is None:
        return value
    if _NOT_XML.search(value) is not None:
        raise _Decline  # spyne fails on it (lxml's ValueError): its failure, not ours
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _str(value: Any) -> str:
    """A string's characters, as lxml takes them: a subclass's (a StrEnum's value), not its __str__."""
    if type(value) is str:
        return value
    if isinstance(value, str):
        return str.__str__(value)
    raise _Decline  # lxml would take bytes, or fail: spyne's to find out


class _Tags(NamedTuple):
    """An element of the answer: its start and end tags, empty, and nil (xsi:nil="true")."""
    start: str
    end: str
    empty: str
    nil: str


class _Envelope(NamedTuple):
    """What lxml writes around the answer's elements, and how it names them."""
    head: str  # from the XML declaration to the Body's start tag
    head_nil: str  # the same when an element is written xsi:nil (its namespace then declared)
    nil: str  # the attribute(s) of such an element, after its name
    prefix: str  # of the answer's namespace
    tail: str  # the end tags of the Body and the Envelope


def _envelope(protocol: Any, nsmap: dict[str, str], ns: str) -> _Envelope:
    """Asked of lxml once per namespace, from a tree built as spyne builds its answer: the Envelope with
    the interface's nsmap, the Body filled while detached and then appended, leaves made apart and then
    appended, the unused declarations cleaned up. lxml picks the prefix of each namespace and the
    declarations that remain, in its order, and that is what these strings hold."""
    envelope_tag = f"{{{protocol.ns_soap_env}}}Envelope"
    body_tag = f"{{{protocol.ns_soap_env}}}Body"
    name = "answer"  # any: what surrounds the answer does not depend on its name

    def probe(with_nil: bool) -> tuple[str, str | None]:
        envelope = etree.Element(envelope_tag, nsmap=nsmap)
        body = etree.Element(body_tag)
        response = etree.SubElement(body, f"{{{ns}}}{name}")
        if with_nil:
            leaf = etree.Element(f"{{{ns}}}{name}")
            leaf.attrib.update(NIL_ATTR)
            response.append(leaf)
        envelope.append(body)
        if protocol.cleanup_namespaces:
            etree.cleanup_namespaces(envelope)
        document = etree.tostring(envelope, encoding=protocol.encoding, pretty_print=False,
                                  xml_declaration=protocol.xml_declaration)
        return document.decode("utf-8"), response.prefix

    plain, prefix = probe(False)
    with_nil, _ = probe(True)
    if not prefix:
        raise Refused(f"no prefix for {ns}")
    tag = f"{prefix}:{name}"
    head, empty, tail = plain.partition(f"<{tag}/>")
    head_nil, start, rest = with_nil.partition(f"<{tag}><{tag}")
    end = f"/></{tag}>{tail}"
    if not empty or tail.count("<") != 2 or not start or not rest.endswith(end):
        raise Refused(f"lxml wrote an unexpected envelope: {plain!r}, {with_nil!r}")
    return _Envelope(head, head_nil, rest[:-len(end)], prefix, tail)


class _Compiler:
    """The writers of the elements of the answers in one namespace, from the model classes, as spyne's
    XmlDocument writes them; a type several operations answer with (Product ...) is compiled once."""

    def __init__(self, protocol: Any, nsmap: dict[str, str], ns: str):
        self.protocol = protocol
        self.ns = ns
        self.envelope = _envelope(protocol, nsmap, ns)
        self._open: list[type] = []  # the classes being compiled, against a type that contains itself
        self._elements: dict[tuple[type, str], Write] = {}

    def answer(self, message: Any) -> Answer:
        """The writer of the answers of a message (BODY_STYLE_WRAPPED: ctx.out_object holds the values
        of its members, in order); None for an answer it declines."""
        write = self.message(message)
        head, tail = self.envelope.head, self.envelope.tail

        def answer(out_object: Any) -> bytes | None:
            out = [head]
            try:
                write(out_object, out)
                out.append(tail)
                return "".join(out).encode("utf-8")
            except Exception:  # _Decline, or an error of spyne's formatting: spyne then meets it (or not) itself
                return None
        return answer

    def message(self, cls: Any) -> Write:
        if self.protocol.get_cls_attrs(cls).read_only:
            raise Refused(f"{cls.get_type_name()} is read-only")
        tags = self._tags(cls.get_type_name())
        members = self._members(cls)

        def write(values: Any, out: Out) -> None:
            if type(values) not in (list, tuple):
                raise _Decline
            start = len(out)
            out.append(tags.start)
            for i, (_, write_value, write_none) in enumerate(members):
                value = values[i] if i < len(values) else None
                if isgenerator(value):  # spyne's WSGI server runs it to its first item before serializing
                    raise _Decline
                if value is not None:
                    write_value(value, out)
                elif write_none is not None:
                    write_none(out)
            if len(out) > start + 1:
                out.append(tags.end)
            else:
                out[start] = tags.empty
        return write

    def _members(self, cls: Any) -> tuple[Member, ...]:
        """(attribute, writer of its value, writer when it is None or None to leave it out), in order."""
        if getattr(cls, "__extends__", None) is not None:
            raise Refused(f"{cls.get_type_name()} extends another type")
        if cls.get_namespace() != self.ns:
            raise Refused(f"{cls.get_type_name()}'s members are in {cls.get_namespace()}")
        members = []
        for name, member in cls._type_info.items():
            declared = member.Attributes
            self._check(member, name)
            tags = self._tags(name)
            write = self._element(member, tags)
            if declared.max_occurs > 1:  # one element per item (no wrapper); a None item is written nil
                write = _repeated(write, self._nil(tags))
            # spyne leaves a None out unless the member is required, then writes it nil
            members.append((name, write, self._nil(tags) if declared.min_occurs > 0 else None))
        return tuple(members)

    def _check(self, cls: Any, name: str) -> None:
        """A member spyne writes as an element named after it, in its parent's namespace, and leaves
        out (or writes nil) when None."""
        if cls.Attributes.sub_ns is not None or cls.Attributes.sub_name is not None:
            raise Refused(f"{name} is renamed (sub_ns, sub_name)")
        attrs = self.protocol.get_cls_attrs(cls)
        if attrs.default is not None:
            raise Refused(f"{name} has a default (spyne writes it for None)")
        if attrs.exc:
            raise Refused(f"{name} is excluded (exc)")
        if attrs.prot is not None:
            raise Refused(f"{name} has its own protocol")

    def _element(self, cls: Any, tags: _Tags) -> Write:
        """The writer of one element for a value (not None) of cls."""
        key = (cls, tags.start)
        if key not in self._elements:
            self._elements[key] = self._compile_element(cls, tags)
        return self._elements[key]

    def _compile_element(self, cls: Any, tags: _Tags) -> Write:
        handler = self.protocol.serialization_handlers[cls].__func__
        if handler is XmlDocument.complex_to_parent:
            attrs = self.protocol.get_cls_attrs(cls)
            if attrs.sub_ns is not None or attrs.sub_name is not None:
                raise Refused(f"{cls.get_type_name()} is renamed (sub_ns, sub_name)")
            if cls in self._open:
                raise Refused(f"{cls.get_type_name()} contains itself")
            self._open.append(cls)
            try:
                return self._array(cls, tags) if issubclass(cls, Array) else _complex(tags, self._members(cls))
            finally:
                self._open.pop()
        start, end = tags.start, tags.end
        text = self._formatter(cls, handler)

        def write(value: Any, out: Out) -> None:
            out.append(start + text(value) + end)  # "" is written <a></a>, as lxml writes it
        return write

    def _array(self, cls: Any, tags: _Tags) -> Write:
        """spyne's Array and Iterable: the wrapper element, then one element per item, named after its type."""
        ((name, item),) = cls._type_info.items()
        self._check(item, name)
        if cls.get_namespace() != self.ns or item.Attributes.max_occurs <= 1:
            raise Refused(f"{cls.get_type_name()} is not a plain array")
        item_tags = self._tags(name)
        items = _repeated(self._element(item, item_tags), self._nil(item_tags))

        def write(value: Any, out: Out) -> None:
            if type(value) not in (list, tuple):
                raise _Decline
            if value:
                out.append(tags.start)
                items(value, out)
                out.append(tags.end)
            else:
                out.append(tags.empty)
        return write

    def _formatter(self, cls: Any, handler: Any) -> Callable[[Any], str]:
        """The text of a simple value, as spyne's to_unicode makes it and lxml escapes it. Strings,
        integers and booleans are formatted here, the way spyne's own functions do when the type has
        no format; anything else (DateTime, Date, base64 ...) by spyne's to_unicode itself."""
        protocol = self.protocol
        if handler is XmlDocument.byte_array_to_parent:
            encoding = protocol.binary_encoding
            return lambda value: _text(_str(protocol.to_unicode(cls, value, encoding)))
        if handler is not XmlDocument.modelbase_to_parent:
            raise Refused(f"{cls.get_type_name()} is written by {handler.__name__}")

        def by_spyne(value: Any) -> str:
            return _text(_str(protocol.to_unicode(cls, value)))

        attrs = protocol.get_cls_attrs(cls)
        # which function formats cls: a method of spyne's, or one Soap11 sets (DateTime: isoformat())
        to_unicode = protocol._to_unicode_handlers[cls]
        to_unicode = getattr(to_unicode, "__func__", to_unicode)
        plain = attrs.format is None and attrs.str_format is None
        if to_unicode is OutProtocolBase.unicode_to_unicode and plain:  # a str as it is
            return lambda value: _text(_str(value)) if isinstance(value, str) else by_spyne(value)
        if to_unicode is OutProtocolBase.integer_to_unicode and plain:
            return lambda value: str(value) if type(value) is int else by_spyne(value)
        if to_unicode is OutProtocolBase.boolean_to_unicode:  # str(bool(value)).lower(), whatever the value
            return lambda value: "true" if value else "false"
        return by_spyne

    def _tags(self, name: str) -> _Tags:
        """The tags of an element of that name in the operation's namespace."""
        try:
            etree.QName(self.ns, name)
        except ValueError:
            raise Refused(f"{name!r} is not an element name") from None
        tag = f"{self.envelope.prefix}:{name}"
        return _Tags(f"<{tag}>", f"</{tag}>", f"<{tag}/>", f"<{tag}{self.envelope.nil}/>")

    def _nil(self, tags: _Tags) -> WriteNone:
        """The writer of the element nil (spyne's null_to_parent); as its xsi namespace is then
        declared on the Envelope, it changes the head too."""
        element, head_nil = tags.nil, self.envelope.head_nil

        def write(out: Out) -> None:
            out[0] = head_nil
            out.append(element)
        return write


def _complex(tags: _Tags, members: tuple[Member, ...]) -> Write:
    start_tag, end_tag, empty, _ = tags

    def write(value: Any, out: Out) -> None:
        if isinstance(value, (list, tuple, dict)):  # spyne makes an instance of these first
            raise _Decline
        start = len(out)
        out.append(start_tag)
        for name, write_value, write_none in members:
            member = getattr(value, name, None)
            if member is not None:
                write_value(member, out)
            elif write_none is not None:
                write_none(out)
        if len(out) > start + 1:
            out.append(end_tag)
        else:
            out[start] = empty  # every member None: <a/>
    return write


def _repeated(write_item: Write, write_nil: WriteNone) -> Write:
    def write(values: Any, out: Out) -> None:
        if type(values) not in (list, tuple):  # spyne iterates any iterable: a one-shot one must stay whole for it
            raise _Decline
        for item in values:
            if item is None:
                write_nil(out)
            else:
                write_item(item, out)
    return write


def _check_protocol(protocol: Any) -> None:
    if not isinstance(protocol, Soap11):
        raise Refused(f"the out protocol is {type(protocol).__name__}")
    changed = [name for name in _MIRRORED if getattr(type(protocol), name) is not getattr(Soap11, name)]
    if changed:
        raise Refused(f"the out protocol changes {', '.join(changed)}")
    if protocol.polymorphic or protocol.pretty_print or codecs.lookup(protocol.encoding).name != "utf-8":
        raise Refused("the out protocol is polymorphic, pretty-printed or not UTF-8")


def compile_answers(app: Any) -> tuple[dict[Any, Answer], dict[str, str]]:
    """The writers of the answers of app's operations (by spyne method descriptor), and why the others'
    are refused (by operation name): those that could come out otherwise than spyne writes them."""
    answers: dict[Any, Answer] = {}
    refused: dict[str, str] = {}
    compilers: dict[str, _Compiler] = {}
    for descriptors in app.interface.service_method_map.values():
        for descriptor in descriptors:
            try:
                _check_protocol(app.out_protocol)
                if descriptor.body_style is not BODY_STYLE_WRAPPED or descriptor.mtom:
                    raise Refused("not a wrapped message, or MTOM")
                ns = descriptor.out_message.get_namespace()
                if ns not in compilers:
                    compilers[ns] = _Compiler(app.out_protocol, app.interface.nsmap, ns)
                answers[descriptor] = compilers[ns].answer(descriptor.out_message)
            except Exception as refusal:  # Refused, or a model this module never met: spyne's
                refused[descriptor.name] = str(refusal) or type(refusal).__name__
                log.info("%s.%s answers through spyne: %s", app.name, descriptor.name, refusal)
    return answers, refused


class AnswerWriter:
    """Writes the answers of an application's operations (those compile_answers takes) in place of spyne.

    They are compiled with the application (~15 ms for the nine services). It listens to
    'method_return_object' (the operation returned, ctx.out_object set) and sets
    ctx.out_string, which spyne's server then sends as it is (ServerBase.get_out_string_pull); an
    answer declined, a fault, an out header, or an answer already set (FrozenAnswers' replay) go on to
    spyne as before. spyne announces the answers it writes with 'method_return_string'; the writer does
    the same for its own, so that FrozenAnswers, or any listener, keeps them as well.
    """

    def __init__(self, app: Any):
        self.app = app
        self.enabled = True
        self.answers, self.refused = compile_answers(app)
        app.event_manager.add_listener("method_return_object", self._write)

    def _write(self, ctx: Any) -> None:
        if not self.enabled or ctx.out_string is not None or ctx.out_header is not None:
            return
        answer = self.answers.get(ctx.descriptor)
        if answer is None or ctx.out_protocol is not self.app.out_protocol or self._document_wanted(ctx):
            return
        written = answer(ctx.out_object)
        if written is not None:
            ctx.out_string = [written]
            ctx.fire_event("method_return_string")

    def _document_wanted(self, ctx: Any) -> bool:
        """Someone listens to spyne's events about the document tree, which only spyne builds."""
        handlers = ctx.out_protocol.event_manager.handlers
        if any(handlers.get(event) for event in _DOCUMENT_EVENTS):
            return True
        managers = (self.app.event_manager, *ctx.descriptor.event_managers)
        return any(manager.handlers.get(_ANSWER_DOCUMENT_EVENT) for manager in managers)
