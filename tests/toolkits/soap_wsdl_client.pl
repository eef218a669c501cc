#!/usr/bin/perl
# One SOAP call through the classes Perl's SOAP::WSDL (Debian libsoap-wsdl-perl) generated with
# `wsdl2perl <served WSDL>` and its default options, as a Perl shop would make it: the generated
# interface, its default endpoint (the WSDL's address).
# Reads {"lib", "service", "operation", "arguments", "token" | null, "detail_typemap": bool} as JSON on
# stdin ("lib": the generated lib/ folder). Writes as JSON {"result": the response object as XML} (the
# generated objects serialize themselves; SOAP::WSDL's as_hash_ref sees no field of an element whose
# type is anonymous) or {"fault": {"code", "string", "detail": FaultDetail's code | null}}.
use strict;
use warnings;
use JSON::PP;

# With "detail_typemap", what SOAP::WSDL lacks to read a fault's detail (tests/e2e/test_toolkit_perl.py
# says why): a class for <detail> holding the generated FaultDetail element, and the generated
# typemap's FaultDetail... entries again under Fault/detail/, where its message parser looks them up.
package EmallFaultDetailHolder;
use Class::Std::Fast::Storable constructor => 'none';
use base qw(SOAP::WSDL::XSD::Typelib::ComplexType);
Class::Std::initialize();
my %FaultDetail_of :ATTR(:get<FaultDetail>);

sub use_in {  # the generated typemap class of the service
    my ($class, $typemap) = @_;
    $class->_factory([qw(FaultDetail)], { FaultDetail => \%FaultDetail_of },
                     { FaultDetail => 'MyElements::FaultDetail' }, { FaultDetail => 'FaultDetail' });
    my $map = $typemap->get_typemap();
    $map->{'Fault/detail'} = $class;
    $map->{"Fault/detail/$_"} = $map->{$_} for grep { m{^FaultDetail(/|$)} } keys %$map;
}

package main;

sub load {
    (my $file = "$_[0].pm") =~ s{::}{/}g;
    require $file;
}

my $call = JSON::PP->new->utf8->decode(do { local $/; <STDIN> });
unshift @INC, $call->{lib};
my $service = $call->{service};
my $class = "MyInterfaces::${service}Service::$service";
load($class);
if ($call->{detail_typemap}) {
    load("MyTypemaps::${service}Service");
    EmallFaultDetailHolder->use_in("MyTypemaps::${service}Service");
}

my $operation = $call->{operation};
# document/literal wrapped: the body is the request element's children, the header SessionHeader's
my $answer = $class->new()->$operation($call->{arguments} || {},
                                       defined $call->{token} ? { token => $call->{token} } : ());
my %out;
if ($answer) {
    $out{result} = "$answer";
} else {  # a SOAP::WSDL::SOAP::Typelib::Fault11: false in boolean context
    my $detail = $answer->get_detail();
    my $faultdetail = ref $detail && $detail->can('get_FaultDetail') ? $detail->get_FaultDetail() : undef;
    $out{fault} = { code => "" . $answer->get_faultcode(), string => "" . $answer->get_faultstring(),
                    detail => $faultdetail ? "" . $faultdetail->get_code() : undef };
}
print JSON::PP->new->utf8->canonical->encode(\%out);
